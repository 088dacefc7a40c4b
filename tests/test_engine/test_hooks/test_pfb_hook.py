# Copyright (c) mmpfb contributors. All rights reserved.
import copy
import itertools
import json
from pathlib import Path

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmpfb.datasets import DEMO_CLASSES
from mmpfb.engine import PFBHook
from mmpfb.testing.segmentation import tiny_segmentor_cfg


@pytest.mark.parametrize('kwargs, name', [
    (dict(begin=-1), 'begin'),
    (dict(begin=1.5), 'begin'),
    (dict(begin=5, end=5), 'end'),
    (dict(end=-2), 'end'),
    (dict(warmup=-1), 'warmup'),
    (dict(by_epoch='yes'), 'by_epoch'),
])
def test_bad_arguments_name_argument_and_value(kwargs, name):
    with pytest.raises((ValueError, TypeError)) as err:
        PFBHook(**kwargs)
    assert name in str(err.value)
    assert repr(kwargs[name]) in str(err.value)


def test_schedule_with_warmup():
    hook = PFBHook(begin=2, end=8, warmup=4)
    hook.target_ratio = 0.6
    ratios = [hook.ratio_at(i) for i in range(10)]
    assert ratios[:2] == [None, None] and ratios[8:] == [None, None]
    assert ratios[2:8] == pytest.approx([0.15, 0.3, 0.45, 0.6, 0.6, 0.6])
    hook = PFBHook(begin=0)
    hook.target_ratio = 0.3
    assert hook.ratio_at(0) == hook.ratio_at(10**6) == 0.3


class RecordHook(Hook):
    """Record losses, kept samples and estimator state per iteration."""
    priority = 'LOWEST'

    def __init__(self):
        self.records = {}

    def before_train(self, runner):
        head = runner.model.decode_head
        original = head.loss
        self._kept = []

        def loss(inputs, data_samples, train_cfg):
            self._kept = [s.img_path.split('/')[-1] for s in data_samples]
            return original(inputs, data_samples, train_cfg)

        head.loss = loss

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        est = runner.model.blocker.estimator
        self.records[runner.iter] = dict(
            losses={
                k: float(v)
                for k, v in outputs.items()
            },
            kept=list(self._kept),
            centroids=est.centroids.clone(),
            counts=est.counts.clone())


# MMEngine names a runner's logger, message hub and visualizer after the
# second it starts; two runners started in the same second would share them
# (the second one writing its scalars into the first one's work_dir).
RUNNER_NUMBER = itertools.count()


def runner_cfg(root, work_dir, max_iters, hook=None, pfb=None):
    model = tiny_segmentor_cfg(
        pfb=pfb or dict(prune_ratio=0.5, block_stage=3, num_centroids=4),
        num_classes=len(DEMO_CLASSES))
    model['data_preprocessor']['size'] = (32, 32)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='RandomCrop', crop_size=(32, 32)),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackSegInputs')
    ]
    dataset = dict(
        type='BaseSegDataset',
        data_root=str(root),
        metainfo=dict(classes=DEMO_CLASSES),
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file='ImageSets/Segmentation/train.txt',
        img_suffix='.jpg',
        seg_map_suffix='.png',
        pipeline=pipeline)
    return dict(
        default_scope='mmseg',
        model=model,
        work_dir=str(work_dir),
        train_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            dataset=dataset),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        param_scheduler=[
            dict(type='PolyLR', by_epoch=False, begin=0, end=max_iters)
        ],
        default_hooks=dict(
            timer=dict(type='IterTimerHook'),
            logger=dict(type='LoggerHook', interval=1),
            param_scheduler=dict(type='ParamSchedulerHook'),
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=3)),
        custom_hooks=[dict(type='mmpfb.PFBHook', begin=1)] +
        ([hook] if hook else []),
        randomness=dict(seed=0, deterministic=True),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_processor=dict(by_epoch=False),
        log_level='WARNING',
        experiment_name=f'test_runner_{next(RUNNER_NUMBER)}')


def test_runner_trains_prunes_and_logs(demo_root, tmp_path):
    record = RecordHook()
    runner = Runner(**runner_cfg(demo_root, tmp_path, 4, record))
    runner.train()
    keep = [r['losses']['pfb_keep_num'] for r in record.records.values()]
    assert keep[0] == 4  # before begin: every sample
    assert all(k < 4 for k in keep[1:])
    log = next(Path(tmp_path).glob('*/vis_data/scalars.json'))
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    for key in ('pfb_keep_num', 'pfb_keep_ratio', 'pfb_score_time',
                'pfb_enabled', 'pfb_prune_ratio', 'pfb_num_filled',
                'pfb_effective_centroids', 'pfb_bandwidth'):
        assert key in rows[-1], key
    assert rows[0]['pfb_enabled'] == 0 and rows[-1]['pfb_enabled'] == 1


def test_resume_is_exact(demo_root, tmp_path):
    full = RecordHook()
    Runner(**runner_cfg(demo_root, tmp_path / 'a', 6, full)).train()

    first = RecordHook()
    cfg = runner_cfg(demo_root, tmp_path / 'b', 6, first)
    cfg['train_cfg']['max_iters'] = 3
    Runner(**cfg).train()
    resumed = RecordHook()
    cfg = runner_cfg(demo_root, tmp_path / 'b', 6, resumed)
    cfg['resume'] = True
    Runner(**cfg).train()

    assert sorted(resumed.records) == [3, 4, 5]  # 0-based
    for it in (3, 4, 5):
        a, b = full.records[it], resumed.records[it]
        assert a['kept'] == b['kept'], it
        timing = 'pfb_score_time'
        a['losses'].pop(timing), b['losses'].pop(timing)
        assert a['losses'] == b['losses'], it
        assert torch.equal(a['centroids'], b['centroids'])
        assert torch.equal(a['counts'], b['counts'])


def test_load_from_restores_weights_and_estimator(demo_root, tmp_path):
    Runner(**runner_cfg(demo_root, tmp_path / 'a', 3)).train()
    cfg = runner_cfg(demo_root, tmp_path / 'b', 1)
    cfg['load_from'] = str(tmp_path / 'a' / 'iter_3.pth')
    runner = Runner(**cfg)
    runner.call_hook('before_run')  # PFBHook installs the safe loader
    runner.load_or_resume()
    ckpt = torch.load(cfg['load_from'], weights_only=False)
    state = runner.model.state_dict()
    for key in ('blocker.estimator.centroids', 'backbone.stem.0.weight'):
        assert torch.equal(state[key], ckpt['state_dict'][key]), key


def test_model_without_pfb_is_rejected(demo_root, tmp_path):
    cfg = runner_cfg(demo_root, tmp_path, 1)
    cfg['model'] = tiny_segmentor_cfg(num_classes=len(DEMO_CLASSES))
    with pytest.raises(TypeError, match='PFBHook.*EncoderDecoder'):
        Runner(**copy.deepcopy(cfg)).train()
