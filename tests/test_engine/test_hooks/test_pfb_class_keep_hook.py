# Copyright (c) mmpfb contributors. All rights reserved.
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement, PixelData

from mmpfb.engine import PFBClassKeepHook

pytest.importorskip('mmpretrain')

from mmpretrain.structures import DataSample  # noqa: E402

from mmpfb.experiments.testing.classification import \
    tiny_classifier_cfg  # noqa: E402
from mmpfb.models import PFBImageClassifier  # noqa: E402

CLASSES = ('a', 'b', 'c')


def fake_runner(name):
    cfg = tiny_classifier_cfg(pfb=dict(block_stage=1, num_centroids=4))
    cfg.pop('type')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = PFBImageClassifier(**cfg)
    dataset = SimpleNamespace(metainfo=dict(classes=CLASSES))
    return SimpleNamespace(
        model=model,
        iter=0,
        train_dataloader=SimpleNamespace(dataset=dataset),
        message_hub=MessageHub.get_instance(name))


@pytest.mark.parametrize('kwargs,name',
                         [(dict(interval=0), 'interval'),
                          (dict(seg_label='mean'), 'seg_label')])
def test_bad_arguments_name_argument_and_value(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PFBClassKeepHook(**kwargs)


def test_keep_rate_per_class_over_the_interval():
    runner = fake_runner('keep_rate')
    hook = PFBClassKeepHook(interval=2)
    hook.before_train(runner)
    gen = torch.Generator().manual_seed(0)
    seen, kept = [0] * 3, [0] * 3
    for it in range(2):
        labels = torch.randint(3, (8, ), generator=gen).tolist()
        keep = sorted(torch.randperm(8, generator=gen)[:3].tolist())
        for row, label in enumerate(labels):  # the reference count
            seen[label] += 1
            kept[label] += row in keep
        samples = [DataSample().set_gt_label(label) for label in labels]
        runner.model.last_keep_index = keep
        runner.iter = it
        hook.after_train_iter(runner, it, dict(data_samples=samples))
    scalars = runner.message_hub.log_scalars
    for label, name in enumerate(CLASSES):
        key = f'train/pfb_keep_rate.{name}'
        if seen[label]:
            assert scalars[key].current() == pytest.approx(kept[label] /
                                                           seen[label])
        else:
            assert key not in scalars


def test_nothing_pruned_keeps_every_class():
    runner = fake_runner('keep_all')
    hook = PFBClassKeepHook(interval=1)
    hook.before_train(runner)
    runner.model.last_keep_index = None
    samples = [DataSample().set_gt_label(i % 3) for i in range(6)]
    hook.after_train_iter(runner, 0, dict(data_samples=samples))
    for name in CLASSES:
        assert runner.message_hub.get_scalar(
            f'train/pfb_keep_rate.{name}').current() == 1


@pytest.mark.parametrize('seg_label,expected', [('dominant', 0),
                                                ('rarest', 2)])
def test_segmentation_batch_classes(seg_label, expected):
    # 10 pixels of class 0, 4 of class 1, 2 of class 2, 5 ignored
    label = torch.tensor([0] * 10 + [1] * 4 + [2] * 2 + [255] * 5)
    sample = BaseDataElement(gt_sem_seg=PixelData(data=label.view(1, 3, 7)))
    hook = PFBClassKeepHook(seg_label=seg_label)
    hook.class_names = ('a', 'b', 'c')
    unlabelled = BaseDataElement(
        gt_sem_seg=PixelData(data=torch.full((1, 2, 2), 255)))
    assert hook.batch_classes([sample, unlabelled,
                               sample]) == [expected, None, expected]


def test_dataset_without_class_names_is_refused():
    runner = fake_runner('no_names')
    runner.train_dataloader.dataset.metainfo = {}
    with pytest.raises(ValueError, match="metainfo\\['classes'\\]"):
        PFBClassKeepHook().before_train(runner)


def test_runner_logs_keep_rates_of_a_pruned_segmentor(demo_root, tmp_path):
    pytest.importorskip('mmseg')
    from mmengine.runner import Runner

    from mmpfb.experiments.datasets import DEMO_CLASSES
    from .test_pfb_hook import runner_cfg
    cfg = runner_cfg(demo_root, tmp_path, 3,
                     dict(type='mmpfb.PFBClassKeepHook', interval=3))
    runner = Runner(**cfg)
    runner.train()
    rates = {
        key: buffer.current()
        for key, buffer in runner.message_hub.log_scalars.items()
        if key.startswith('train/pfb_keep_rate.')
    }
    assert rates and set(rates) <= {
        f'train/pfb_keep_rate.{c}'
        for c in DEMO_CLASSES
    }
    # half of each batch is pruned from iteration 1 on
    assert all(0 <= rate <= 1 for rate in rates.values())
    assert min(rates.values()) < 1
