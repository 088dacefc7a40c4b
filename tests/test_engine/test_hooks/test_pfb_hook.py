# Copyright (c) mmpfb contributors. All rights reserved.
import copy
import itertools
import json
import math
from collections import Counter
from pathlib import Path

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmpfb.engine import PFBHook
from mmpfb.engine.hooks import (random_state_checkpoint_hook,
                                safe_checkpoint_loader_hook)
from mmpfb.experiments.datasets import DEMO_CLASSES
from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg
from ...remote_device import load_to_remote_device


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
    """Record losses, kept samples, estimator state and loss memory per
    iteration."""
    priority = 'LOWEST'

    def __init__(self):
        self.records = {}

    def before_train(self, runner):
        head = runner.model.decode_head
        original = head.loss
        self._kept = self._kept_idx = []

        def loss(inputs, data_samples, train_cfg):
            self._kept = [s.img_path.split('/')[-1] for s in data_samples]
            self._kept_idx = [
                s.metainfo.get('sample_idx') for s in data_samples
            ]
            return original(inputs, data_samples, train_cfg)

        head.loss = loss

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        est = runner.model.blocker.estimator
        memory = runner.model.blocker.loss_memory
        self.records[runner.iter] = dict(
            losses={
                k: float(v)
                for k, v in outputs.items()
            },
            kept=list(self._kept),
            kept_idx=list(self._kept_idx),
            batch_idx=[
                s.metainfo.get('sample_idx')
                for s in data_batch['data_samples']
            ],
            centroids=est.centroids.clone(),
            counts=est.counts.clone(),
            memory=None if memory is None else memory.losses.clone())


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


PACK_SEG_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                      'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                      'reduce_zero_label')


def with_loss_memory(cfg, **pfb):
    """``cfg`` with ``pfb.loss_memory_weight=1`` and the data set index
    packed into each data sample."""
    cfg['model']['pfb'].update(loss_memory_weight=1.0, **pfb)
    pipeline = cfg['train_dataloader']['dataset']['pipeline']
    pipeline[-1]['meta_keys'] = PACK_SEG_META_KEYS + ('sample_idx', )
    return cfg


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


def full_and_resumed(root, tmp_path, configure=None, record=RecordHook):
    """The records of a 6-iteration run and of the same run stopped after
    3 iterations and resumed from its ``iter_3.pth``.

    Args:
        root (Path): The demo data set.
        tmp_path (Path): Where the runs' work directories go.
        configure (Callable, optional): Applied to each runner config.
            Defaults to None.
        record (type): The record hook. Defaults to :class:`RecordHook`.

    Returns:
        tuple[dict, dict]: The uninterrupted run's and the resumed run's
        records, by iteration.
    """
    configure = configure or (lambda cfg: cfg)
    full = record()
    Runner(**configure(runner_cfg(root, tmp_path / 'a', 6, full))).train()
    cfg = configure(runner_cfg(root, tmp_path / 'b', 6, record()))
    cfg['train_cfg']['max_iters'] = 3
    Runner(**cfg).train()
    resumed = record()
    cfg = configure(runner_cfg(root, tmp_path / 'b', 6, resumed))
    cfg['resume'] = True
    Runner(**cfg).train()
    return full.records, resumed.records


def assert_resumed_like_full(full, resumed, tolerance=0.0):
    """The resumed run's iterations 3 to 5 keep the samples that the
    uninterrupted run keeps, with the same losses, estimator state and
    loss memory (to ``tolerance``, relative and absolute)."""
    assert sorted(resumed) == [3, 4, 5]  # 0-based
    for it in (3, 4, 5):
        a, b = full[it], resumed[it]
        assert a['kept'] == b['kept'], it
        for losses in (a['losses'], b['losses']):
            losses.pop('pfb_score_time', None)  # a time, if logged there
        for key in ('losses', 'centroids', 'counts', 'memory'):
            torch.testing.assert_close(
                b[key],
                a[key],
                rtol=tolerance,
                atol=tolerance,
                equal_nan=True,
                msg=lambda msg, key=key: f'iteration {it}, {key}: {msg}')


@pytest.mark.parametrize('memory, loaded_to', [(False, 'cpu'), (True, 'cpu'),
                                               (True, 'remote')])
def test_resume_is_exact(demo_root, tmp_path, monkeypatch, memory, loaded_to):
    if loaded_to == 'remote':
        # every tensor of the checkpoint arrives off the CPU, as under
        # Runner.resume on a GPU
        load_to_remote_device(monkeypatch)
    full, resumed = full_and_resumed(demo_root, tmp_path,
                                     with_loss_memory if memory else None)
    assert_resumed_like_full(full, resumed)
    if memory:
        # the resumed run started from the checkpoint's memory
        assert torch.isfinite(resumed[3]['memory']).sum() > len(
            resumed[3]['kept'])


def test_checkpoint_jobs_are_done_once_with_or_without_their_hooks(
        demo_root, tmp_path, monkeypatch):
    """PFBHook alone installs the safe loader, gathers and saves the
    ranks' random states and restores its own; listed beside it, the
    standalone hooks do these jobs instead, each still once."""
    calls = Counter()

    def counted(name, function):

        def count(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return count

    # the states of two ranks, from one process
    states = random_state_checkpoint_hook
    monkeypatch.setattr(states, 'get_world_size', lambda: 2)
    monkeypatch.setattr(states, 'all_gather',
                        counted('gather', lambda tensor: [tensor] * 2))
    monkeypatch.setattr(states, 'rank_states_to_restore',
                        counted('restore', states.rank_states_to_restore))
    loader = safe_checkpoint_loader_hook
    monkeypatch.setattr(loader, 'use_safe_checkpoint_loader',
                        counted('install', loader.use_safe_checkpoint_loader))
    keys = 2 if torch.cuda.is_available() else 1  # cpu, cuda
    for standalone in ([], [
            dict(type='mmpfb.RandomStateCheckpointHook'),
            dict(type='mmpfb.SafeCheckpointLoaderHook')
    ]):
        work_dir = tmp_path / str(len(standalone))
        cfg = runner_cfg(demo_root, work_dir, 2)
        cfg['custom_hooks'] += standalone
        Runner(**cfg).train()  # saves iter_2.pth as its last checkpoint
        assert calls == dict(install=1, gather=2 * keys), standalone
        saved = torch.load(
            work_dir / 'iter_2.pth',
            weights_only=False)['pfb_torch_rng_states']
        assert saved['cpu'].shape[0] == 2
        calls.clear()
        cfg = runner_cfg(demo_root, work_dir, 3)
        cfg['custom_hooks'] += standalone
        Runner(resume=True, **cfg).train()
        assert calls == dict(install=1, restore=1, gather=keys), standalone
        calls.clear()


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


def test_loss_memory_learns_the_kept_samples_and_all_after_end(
        demo_root, tmp_path):
    record = RecordHook()
    cfg = with_loss_memory(runner_cfg(demo_root, tmp_path, 6, record))
    cfg['custom_hooks'][0] = dict(type='mmpfb.PFBHook', begin=1, end=4)
    runner = Runner(**cfg)
    runner.train()
    assert runner.model.blocker.loss_memory.num_samples == 16
    before = torch.full((16, ), math.nan)
    for it in range(6):
        step = record.records[it]
        kept, memory = step['kept_idx'], step['memory']
        changed = ~((memory == before) | (memory.isnan() & before.isnan()))
        # only the trained samples get a new loss
        assert changed.nonzero().flatten().tolist() == sorted(kept), it
        pruning = 1 <= it < 4
        assert (len(kept) < 4) == pruning, it
        assert set(kept) <= set(step['batch_idx'])
        before = memory
    rows = [
        json.loads(line)
        for line in next(Path(tmp_path).glob(
            '*/vis_data/scalars.json')).read_text().splitlines()
    ]
    assert rows[-1]['pfb_memory_seen'] == pytest.approx(
        float(torch.isfinite(before).float().mean()))


def test_loss_memory_of_another_data_set_is_named(demo_root, tmp_path):
    cfg = with_loss_memory(
        runner_cfg(demo_root, tmp_path / 'sized', 1), loss_memory_size=10)
    with pytest.raises(ValueError) as err:
        Runner(**cfg).train()
    assert ('(pfb.loss_memory_size=10) holds 10 samples, but the training '
            'data set has 16') in str(err.value)

    Runner(**with_loss_memory(runner_cfg(demo_root, tmp_path /
                                         'a', 3))).train()
    cfg = with_loss_memory(runner_cfg(demo_root, tmp_path / 'b', 1))
    cfg['train_dataloader']['dataset']['indices'] = 8
    cfg['load_from'] = str(tmp_path / 'a' / 'iter_3.pth')
    with pytest.raises(ValueError) as err:
        Runner(**cfg).train()
    assert ("(the checkpoint's blocker.loss_memory.losses) holds 16 "
            'samples, but the training data set has 8') in str(err.value)


def test_loss_memory_without_sample_idx_or_on_a_concat_data_set_is_named(
        demo_root, tmp_path):
    cfg = runner_cfg(demo_root, tmp_path, 1)
    cfg['model']['pfb']['loss_memory_weight'] = 1.0
    with pytest.raises(
            KeyError,
            match="PackSegInputs does not pack it by "
            "default: add 'sample_idx' to its meta_keys"):
        Runner(**copy.deepcopy(cfg)).train()
    cfg = with_loss_memory(cfg)
    dataset = cfg['train_dataloader']['dataset']
    cfg['train_dataloader']['dataset'] = dict(
        type='ConcatDataset', datasets=[dataset, dataset])
    with pytest.raises(
            TypeError,
            match="'sample_idx', which restarts at 0 "
            'in every data set of a ConcatDataset'):
        Runner(**cfg).train()
