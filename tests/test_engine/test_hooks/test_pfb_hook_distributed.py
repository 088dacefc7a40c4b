# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch

pytest.importorskip('mmseg')

from ...gloo_processes import train_on_two_processes
from .test_pfb_hook import runner_cfg


@pytest.mark.two_processes
def test_two_processes_share_estimator_state_and_keep_their_own(
        demo_root, tmp_path):
    cfg = runner_cfg(demo_root, tmp_path / 'work', 4)
    cfg['custom_hooks'] = [
        dict(type='mmpfb.PFBHook', begin=0),
        dict(type='PFBStateProbeHook')
    ]
    cfg['custom_imports'] = dict(
        imports=['tests.test_engine.test_hooks.state_probe_hook'])
    cfg['default_hooks'].pop('checkpoint')
    cfg['train_dataloader']['sampler'] = dict(
        type='InfiniteSampler', shuffle=True)
    train_on_two_processes(cfg, tmp_path / 'cfg.py', timeout=300)

    ranks = [
        torch.load(tmp_path / 'work' / f'pfb_probe_rank{r}.pth')
        for r in range(2)
    ]
    assert len(ranks[0]) == len(ranks[1]) == 4
    pruned = 0
    for step0, step1 in zip(*ranks):
        # one state on every rank, from the kept features of both
        assert torch.equal(step0['centroids'], step1['centroids'])
        assert torch.equal(step0['counts'], step1['counts'])
        for step in (step0, step1):
            assert set(step['kept']) <= set(step['batch'])
            pruned += len(step['batch']) - len(step['kept'])
        assert set(step0['batch']) != set(step1['batch'])
    assert pruned > 0
    total = sum(len(s['kept']) for steps in ranks for s in steps)
    assert int(ranks[0][-1]['counts'].sum()) == total
