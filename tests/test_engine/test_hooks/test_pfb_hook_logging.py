# Copyright (c) mmpfb contributors. All rights reserved.
"""PFBHook reads the pruning statistics from the device only on the
iterations MMEngine's LoggerHook logs, in one copy."""
import copy
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import LoggerHook
from mmengine.logging import MessageHub
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmpfb.engine import PFBHook
from mmpfb.experiments.testing.classification import (tiny_classifier_cfg,
                                                      tiny_cls_batch)
from ...host_reads import HostReads


def trained_classifier():
    """A tiny PFB classifier after two pruned steps."""
    registry = pytest.importorskip('mmpretrain.registry')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        torch.manual_seed(0)
        model = registry.MODELS.build(
            tiny_classifier_cfg(
                pfb=dict(
                    prune_ratio=0.5,
                    block_stage=1,
                    num_centroids=4,
                    feat_dim=4,
                    shallow_grad='reuse'))).train()
    for seed in range(2):
        model.loss(*tiny_cls_batch(8, seed=seed))
    return model


@pytest.mark.parametrize(
    'logger, logged',
    [
        (LoggerHook(interval=3, ignore_last=False), [2, 5, 8, 9]),  # and last
        (LoggerHook(interval=3, ignore_last=True), [2, 5, 8]),
        (None, list(range(10))),  # no logger: every iteration
    ])
def test_statistics_are_read_on_logged_iterations_in_one_copy(logger, logged):
    model = trained_classifier()
    hub = MessageHub.get_instance(f'pfb_hook_logging_{id(logger)}')
    runner = SimpleNamespace(
        hooks=[logger] if logger else [],
        message_hub=hub,
        train_dataloader=[None] * 10,
        iter=0)
    hook = PFBHook()
    hook.model = model
    reads = {}
    for batch_idx in range(10):
        with HostReads() as counter:
            hook.after_train_iter(runner, batch_idx)
        reads[batch_idx] = counter.reads
    assert [i for i, r in reads.items() if r] == logged
    assert all(len(reads[i]) == 1 for i in logged), reads
    scalars = hub.log_scalars
    assert scalars['train/pfb_num_updates'].current() == 2
    assert scalars['train/pfb_score_time'].current() > 0
    assert len(scalars['train/pfb_bandwidth'].data[0]) == len(logged)


def test_runner_logs_every_statistic_on_its_log_interval(demo_root, tmp_path):
    pytest.importorskip('mmseg')
    from .test_pfb_hook import RecordHook, runner_cfg
    cfg = runner_cfg(demo_root, tmp_path, 6, RecordHook())
    cfg['default_hooks']['logger'] = dict(type='LoggerHook', interval=2)
    Runner(**copy.deepcopy(cfg)).train()
    log = next(Path(tmp_path).glob('*/vis_data/scalars.json'))
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [row['step'] for row in rows] == [2, 4, 6]
    for row in rows:
        for key in ('pfb_keep_num', 'pfb_score_time', 'pfb_enabled',
                    'pfb_num_updates', 'pfb_effective_centroids'):
            assert key in row, key
    assert [row['pfb_num_updates'] for row in rows] == [2, 4, 6]
