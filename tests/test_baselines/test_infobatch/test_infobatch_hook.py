# Copyright (c) mmpfb contributors. All rights reserved.
import copy

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmpfb.engine.safe_checkpoint_loader import load_local_checkpoint
from mmpfb.experiments.datasets import DEMO_CLASSES
from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg
from tests.test_engine.test_hooks.test_pfb_hook import \
    runner_cfg as pfb_runner_cfg
from ...remote_device import load_to_remote_device


class RecordHook(Hook):
    """Record losses, kept indices and learning rate per iteration."""
    priority = 'LOWEST'

    def __init__(self):
        self.records = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._lr = runner.optim_wrapper.get_lr()['lr'][0]
        self._kept = [
            s.metainfo.get('infobatch_index')
            for s in data_batch['data_samples']
        ]

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.records[runner.iter] = dict(
            losses={
                k: float(v.detach())
                for k, v in outputs.items()
            },
            kept=self._kept,
            lr=self._lr)


def runner_cfg(root, work_dir, max_iters, hook=None, **sampler):
    """The PFB hook test's tiny run, with InfoBatch instead of PFB (no
    dropout: torch's global random state is not InfoBatch's to restore)."""
    cfg = pfb_runner_cfg(root, work_dir, max_iters)
    model = tiny_segmentor_cfg(num_classes=len(DEMO_CLASSES))
    model['data_preprocessor']['size'] = (32, 32)
    model['decode_head']['dropout_ratio'] = 0
    model['auxiliary_head']['dropout_ratio'] = 0
    model['type'] = 'mmpfb.InfoBatchEncoderDecoder'
    cfg['model'] = model
    cfg['train_dataloader']['sampler'] = dict(
        type='mmpfb.InfoBatchInfiniteSampler', **sampler)
    cfg['custom_hooks'] = [dict(type='mmpfb.InfoBatchHook')
                           ] + ([hook] if hook else [])
    return cfg


def full_lr_at_last_iteration(root, work_dir, max_iters):
    """The learning rate of the full-data run's last iteration."""
    record = RecordHook()
    cfg = pfb_runner_cfg(root, work_dir, max_iters, record)
    cfg['custom_hooks'] = [record]
    cfg['model'] = tiny_segmentor_cfg(num_classes=len(DEMO_CLASSES))
    cfg['model']['data_preprocessor']['size'] = (32, 32)
    Runner(**cfg).train()
    return record.records[max_iters - 1]['lr']


def test_run_is_shortened_prunes_below_mean_and_ends_schedule(
        demo_root, tmp_path):
    record = RecordHook()
    runner = Runner(
        **runner_cfg(demo_root, tmp_path / 'a', 24, record, prune_ratio=0.6))
    runner.train()
    pruner = runner.train_dataloader.sampler.pruner
    real = max(record.records) + 1
    assert real == runner.iter < 24  # shortened
    saved = runner.message_hub.get_scalar('train/infobatch_saved').current()
    assert saved == pytest.approx(1 - real / 24)
    assert any(item['ratio'] > 0 for item in pruner.passes.values())
    # 24 iterations x 4 images = 6 passes of 16; 0.875 x 6 -> 5 pruned
    assert len(pruner.passes[5]['order']) == 16
    # a poly schedule ends where the full-data run ends
    last = full_lr_at_last_iteration(demo_root, tmp_path / 'b', 24)
    assert record.records[real - 1]['lr'] == pytest.approx(last)
    assert record.records[0]['lr'] == pytest.approx(0.01)


class Stop(Hook):
    """Stop after the checkpoint at ``stop`` iterations, as a killed job
    would."""
    priority = 'LOWEST'

    def __init__(self, stop):
        self.stop = stop

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.stop:
            runner.train_loop.stop_training = True


def full_and_resumed(root, tmp_path, stop=9, configure=None):
    """The records of a 16-iteration run (shortened by InfoBatch) and of
    the same run stopped after ``stop`` iterations (by default in a
    pruned pass) and resumed from its checkpoint.

    Args:
        root (Path): The demo data set.
        tmp_path (Path): Where the runs' work directories go.
        stop (int): Iterations before the interruption. Defaults to 9.
        configure (Callable, optional): Applied to each runner config.
            Defaults to None.

    Returns:
        tuple[dict, dict]: The uninterrupted run's and the resumed run's
        records, by iteration.
    """
    configure = configure or (lambda cfg: cfg)
    full = RecordHook()
    Runner(**configure(runner_cfg(root, tmp_path / 'a', 16, full))).train()
    cfg = configure(runner_cfg(root, tmp_path / 'b', 16, RecordHook()))
    cfg['default_hooks']['checkpoint']['interval'] = stop
    cfg['custom_hooks'].append(Stop(stop))
    Runner(**cfg).train()
    resumed = RecordHook()
    cfg = configure(runner_cfg(root, tmp_path / 'b', 16, resumed))
    cfg['resume'] = True
    Runner(**cfg).train()
    assert min(resumed.records) == stop
    return full.records, resumed.records


def assert_resumed_like_full(full, resumed, tolerance=0.0):
    """The resumed run's iterations are the uninterrupted run's last
    ones, with the same samples, learning rates and losses (to
    ``tolerance``, relative and absolute)."""
    assert sorted(resumed) == sorted(i for i in full if i >= min(resumed))
    for it in resumed:
        a, b = full[it], resumed[it]
        assert a['kept'] == b['kept'], it
        assert a['lr'] == b['lr'], it
        a['losses'].pop('infobatch_hook_time', None)
        b['losses'].pop('infobatch_hook_time', None)
        torch.testing.assert_close(
            b['losses'],
            a['losses'],
            rtol=tolerance,
            atol=tolerance,
            msg=lambda msg, it=it: f'iteration {it}: {msg}')


@pytest.mark.parametrize('loaded_to', ['cpu', 'remote'])
def test_resume_is_exact(demo_root, tmp_path, monkeypatch, loaded_to):
    if loaded_to == 'remote':
        # every tensor of the checkpoint arrives off the CPU, as under
        # Runner.resume on a GPU
        load_to_remote_device(monkeypatch)
    assert_resumed_like_full(*full_and_resumed(demo_root, tmp_path))


@pytest.mark.parametrize('part', ['sampler', 'model', 'loop'])
def test_missing_or_mismatched_parts_are_named(demo_root, tmp_path, part):
    cfg = runner_cfg(demo_root, tmp_path, 2)
    if part == 'sampler':
        cfg['train_dataloader']['sampler'] = dict(type='InfiniteSampler')
        match = 'sampler.*InfiniteSampler'
    elif part == 'model':
        cfg['model'] = tiny_segmentor_cfg(
            num_classes=len(DEMO_CLASSES),
            pfb=dict(prune_ratio=0.5, block_stage=3))
        match = 'PFBEncoderDecoder.*does not combine with PFB'
    else:
        cfg['train_dataloader']['sampler'] = dict(
            type='mmpfb.InfoBatchSampler')
        match = 'InfoBatchSampler does not fit IterBasedTrainLoop'
    with pytest.raises(TypeError, match=match):
        Runner(**copy.deepcopy(cfg)).train()


def test_model_without_hook_is_named(demo_root, tmp_path):
    cfg = runner_cfg(demo_root, tmp_path, 2)
    cfg['custom_hooks'] = []
    with pytest.raises(RuntimeError, match='mmpfb.InfoBatchHook'):
        Runner(**cfg).train()


def test_bad_ratio_is_named_at_build(demo_root, tmp_path):
    cfg = runner_cfg(demo_root, tmp_path, 2, prune_ratio=1.0)
    with pytest.raises(ValueError, match='prune_ratio.*1.0'):
        Runner(**cfg).train()


def test_checkpoint_holds_the_pruning_state(demo_root, tmp_path):
    cfg = runner_cfg(demo_root, tmp_path, 6)
    runner = Runner(**cfg)
    runner.train()
    # the state is weights and builtins: the safe loader reads it
    ckpt = load_local_checkpoint(str(tmp_path / 'iter_3.pth'))
    state = ckpt['infobatch']['pruner']
    assert not torch.isnan(state['scores']).all()
    assert state['num_passes'] >= 1


def epoch_cfg(cfg, max_epochs, sampler):
    """``cfg`` trained by epoch, with an iteration-converted warm-up and
    poly schedule, and ``sampler``."""
    cfg['train_dataloader']['sampler'] = sampler
    # a pruned epoch's last batch could hold one image, too few for BN
    cfg['train_dataloader']['drop_last'] = True
    cfg['train_cfg'] = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
    cfg['param_scheduler'] = [
        dict(
            type='LinearLR',
            start_factor=0.1,
            by_epoch=True,
            begin=0,
            end=1,
            convert_to_iter_based=True),
        dict(
            type='PolyLR',
            by_epoch=True,
            begin=1,
            end=max_epochs,
            eta_min=1e-4,
            convert_to_iter_based=True)
    ]
    cfg['default_hooks']['checkpoint'] = dict(
        type='CheckpointHook', interval=max_epochs)
    cfg['log_processor'] = dict(by_epoch=True)
    return cfg


def test_epoch_run_keeps_converted_schedules_on_the_full_data_clock(
        demo_root, tmp_path):
    full = RecordHook()
    cfg = pfb_runner_cfg(demo_root, tmp_path / 'a', 1, full)
    cfg['custom_hooks'] = [full]
    cfg['model'] = tiny_segmentor_cfg(num_classes=len(DEMO_CLASSES))
    cfg['model']['data_preprocessor']['size'] = (32, 32)
    Runner(**epoch_cfg(cfg, 6, dict(type='DefaultSampler'))).train()
    ours = RecordHook()
    cfg = runner_cfg(demo_root, tmp_path / 'b', 1, ours)
    runner = Runner(**epoch_cfg(
        cfg, 6, dict(type='mmpfb.InfoBatchSampler', prune_ratio=0.6)))
    runner.train()
    # 6 epochs of 4 batches; the pruned epochs are shorter
    assert len(full.records) == 24 and len(ours.records) < 24
    first, last = min(ours.records), max(ours.records)
    assert ours.records[first]['lr'] == pytest.approx(full.records[0]['lr'])
    assert ours.records[last]['lr'] == pytest.approx(full.records[23]['lr'])
    assert full.records[23]['lr'] != pytest.approx(full.records[0]['lr'])
