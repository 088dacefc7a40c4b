# Copyright (c) mmpfb contributors. All rights reserved.
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.config import Config

from .test_pfb_hook import runner_cfg

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def train_on_two_processes(cfg: dict, path: Path, timeout: int = 600) -> None:
    """Dump ``cfg`` to ``path`` and train it with tools/train.py on two
    gloo processes (torchrun); the tests package is importable there, for
    probe hooks named in ``custom_imports``."""
    Config(cfg).dump(str(path))
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port()}',
        str(REPO / 'tools' / 'train.py'),
        str(path), '--launcher', 'pytorch'
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        cmd,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]


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
