# Copyright (c) mmpfb contributors. All rights reserved.
"""Exact resume of a two-process run, and resume on another world size."""
from pathlib import Path

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.runner import Runner

from ...gloo_processes import train_on_two_processes
from .test_pfb_hook import runner_cfg, with_loss_memory


def probe_cfg(root, work_dir, **kwargs):
    # K = floor(2.8 + u) of 4: the ranks' kept counts differ at random
    cfg = runner_cfg(
        root,
        work_dir,
        6,
        pfb=dict(prune_ratio=0.3, block_stage=3, num_centroids=4))
    cfg['custom_hooks'] = [
        dict(type='mmpfb.PFBHook', begin=1),
        dict(type='PFBStateProbeHook')
    ]
    cfg['custom_imports'] = dict(
        imports=['tests.test_engine.test_hooks.state_probe_hook'])
    cfg.update(kwargs)
    return cfg


def launch(cfg: dict, path: Path) -> None:
    # tools/train.py sets cfg.resume from its flag
    resume = ['--resume'] if cfg.get('resume') else []
    train_on_two_processes(cfg, path, extra_args=resume)


def records(work_dir: Path) -> list:
    return [{
        r['iter']: r
        for r in torch.load(work_dir / f'pfb_probe_rank{rank}.pth')
    } for rank in range(2)]


@pytest.mark.two_processes
def test_two_process_resume_continues_exactly(demo_root, tmp_path):
    # the uninterrupted run also writes iter_3.pth, which the second
    # run resumes from in fresh processes
    launch(probe_cfg(demo_root, tmp_path / 'full'), tmp_path / 'full.py')
    checkpoint = tmp_path / 'full' / 'iter_3.pth'
    launch(
        probe_cfg(
            demo_root,
            tmp_path / 'resumed',
            resume=True,
            load_from=str(checkpoint)), tmp_path / 'resumed.py')

    full, resumed = records(tmp_path / 'full'), records(tmp_path / 'resumed')
    differing_counts = 0
    for rank in range(2):
        assert sorted(resumed[rank]) == [3, 4, 5]
        for it in (3, 4, 5):
            a, b = full[rank][it], resumed[rank][it]
            assert a['kept'] == b['kept'], (rank, it)
            assert a['losses'] == b['losses'], (rank, it)
            assert torch.equal(a['centroids'], b['centroids'])
            assert torch.equal(a['counts'], b['counts'])
    for it in range(1, 6):
        differing_counts += len(full[0][it]['kept']) != len(
            full[1][it]['kept'])
    # the per-rank streams matter: the ranks kept different counts
    assert differing_counts > 0

    # one process resuming the two-process checkpoint goes on, warned
    cfg = probe_cfg(
        demo_root, tmp_path / 'single', resume=True, load_from=str(checkpoint))
    cfg['train_cfg']['max_iters'] = 4
    cfg['custom_hooks'] = [dict(type='mmpfb.PFBHook', begin=1)]
    del cfg['custom_imports']
    Runner(**cfg).train()
    log = next((tmp_path / 'single').glob('*/*.log')).read_text()
    assert 'local generator states of 2 process(es), this run has 1' in log
    assert 'torch random states of 2 process(es), this run has 1' in log


@pytest.mark.two_processes
def test_two_process_resume_restores_the_loss_memory(demo_root, tmp_path):
    launch(
        with_loss_memory(probe_cfg(demo_root, tmp_path / 'full')),
        tmp_path / 'full.py')
    launch(
        with_loss_memory(
            probe_cfg(
                demo_root,
                tmp_path / 'resumed',
                resume=True,
                load_from=str(tmp_path / 'full' / 'iter_3.pth'))),
        tmp_path / 'resumed.py')

    full, resumed = records(tmp_path / 'full'), records(tmp_path / 'resumed')
    for it in range(6):
        # one memory on both ranks, with the kept samples of both
        assert torch.equal(full[0][it]['memory'].nan_to_num(-1),
                           full[1][it]['memory'].nan_to_num(-1)), it
    assert torch.isfinite(full[0][5]['memory']).sum() > max(
        len(full[rank][5]['kept']) for rank in range(2))
    for rank in range(2):
        assert sorted(resumed[rank]) == [3, 4, 5]
        for it in (3, 4, 5):
            a, b = full[rank][it], resumed[rank][it]
            assert a['kept'] == b['kept'], (rank, it)
            assert a['losses'] == b['losses'], (rank, it)
            assert torch.equal(a['memory'].nan_to_num(-1),
                               b['memory'].nan_to_num(-1)), (rank, it)
