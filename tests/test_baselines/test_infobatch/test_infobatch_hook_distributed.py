# Copyright (c) mmpfb contributors. All rights reserved.
import os.path as osp

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...gloo_processes import train_on_two_processes
from .test_infobatch_hook import runner_cfg


@HOOKS.register_module(force=True)
class InfoBatchProbeHook(Hook):
    """Save, per rank, each batch's indices and the score table."""
    priority = 'LOWEST'

    def before_train(self, runner):
        self._records = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._batch = [
            s.metainfo['infobatch_index'] for s in data_batch['data_samples']
        ]

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        pruner = runner.train_dataloader.sampler.pruner
        self._records.append(
            dict(
                batch=self._batch,
                scores=pruner.scores.clone(),
                passes=pruner.num_passes))

    def after_train(self, runner):
        passes = runner.train_dataloader.sampler.pruner.passes
        self._records.append(
            [passes[k]['order'].tolist() for k in sorted(passes)])
        torch.save(
            self._records,
            osp.join(runner.work_dir, f'infobatch_probe_rank{get_rank()}.pth'))


@pytest.mark.two_processes
def test_two_processes_share_scores_and_draw_disjoint_shards(
        demo_root, tmp_path):
    # 24 iterations of 4 images: 6 passes of the 16, 5 of them pruned.
    # A pass is drawn ahead, from the scores seen so far, so it drops only
    # a few; r = 0.9 and 5 passes save at least one iteration on any
    # torch's random stream
    cfg = runner_cfg(demo_root, tmp_path / 'work', 24, prune_ratio=0.9)
    cfg['custom_hooks'].append(dict(type='InfoBatchProbeHook'))
    cfg['custom_imports'] = dict(imports=[
        'tests.test_baselines.test_infobatch.'
        'test_infobatch_hook_distributed'
    ])
    cfg['default_hooks'].pop('checkpoint')
    cfg['train_dataloader']['batch_size'] = 2
    train_on_two_processes(cfg, tmp_path / 'cfg.py')
    ranks = [
        torch.load(tmp_path / 'work' / f'infobatch_probe_rank{r}.pth')
        for r in range(2)
    ]
    orders = [steps.pop() for steps in ranks]
    assert orders[0] == orders[1]  # the same passes on both ranks
    assert len(ranks[0]) == len(ranks[1]) < 24  # shortened on both
    for step0, step1 in zip(*ranks):
        assert torch.equal(step0['scores'].nan_to_num(-1),
                           step1['scores'].nan_to_num(-1))
        assert step0['passes'] == step1['passes']
    # rank r took the stream positions r, r + 2, ...: interleaving the
    # ranks' batches gives the passes one after the other, so within a
    # pass the ranks' samples are disjoint
    stream = []
    for step0, step1 in zip(*ranks):
        for a, b in zip(step0['batch'], step1['batch']):
            stream += [a, b]
    passes = sum(orders[0], [])
    assert stream == passes[:len(stream)]
    assert any(len(order) < 16 for order in orders[0])  # pruned passes
