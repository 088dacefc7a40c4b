# Copyright (c) mmpfb contributors. All rights reserved.
"""Run a test function, or tools/train.py, on two CPU processes joined by
a gloo group."""
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable, Sequence

import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]


def _init_and_run(rank: int, fn: Callable, world_size: int, init_file: str,
                  args: tuple) -> None:
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=world_size)
    try:
        fn(rank, *args)
    finally:
        dist.destroy_process_group()


def run_on_ranks(fn: Callable,
                 tmp_path: Path,
                 *args,
                 world_size: int = 2) -> None:
    """Call ``fn(rank, *args)`` in ``world_size`` fresh processes.

    ``fn`` must be importable (a module-level function of a test module):
    the processes are spawned, since a fork of a process that has run
    other tests can deadlock on a lock held by one of its threads. An
    assertion error in any process fails the caller.
    """
    mp.spawn(
        _init_and_run,
        args=(fn, world_size, str(tmp_path / 'gloo_init'), args),
        nprocs=world_size)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def train_on_two_processes(cfg: dict,
                           path: Path,
                           timeout: int = 600,
                           extra_args: Sequence[str] = ()) -> None:
    """Dump ``cfg`` to ``path`` and train it with tools/train.py on two
    gloo processes (torchrun); the tests package is importable there, for
    probe hooks named in ``custom_imports``. A process that dies on a
    signal prints its Python stacks (``PYTHONFAULTHANDLER``)."""
    Config(cfg).dump(str(path))
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port()}',
        str(REPO / 'tools' / 'train.py'),
        str(path), '--launcher', 'pytorch', *extra_args
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONFAULTHANDLER='1')
    result = subprocess.run(
        cmd,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout)
    assert result.returncode == 0, failure_report(result.stderr)


def failure_report(stderr: str) -> str:
    """The Python stacks that ``PYTHONFAULTHANDLER`` printed for a rank
    that died on a signal, and the end of ``stderr``."""
    start = stderr.find('Fatal Python error')
    stacks = stderr[start:start + 6000] + '\n...\n' if start >= 0 else ''
    return stacks + stderr[-3000:]
