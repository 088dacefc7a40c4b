# Copyright (c) mmpfb contributors. All rights reserved.
"""Run a test function, or tools/train.py, on two CPU processes joined by
a gloo group."""
import copy
import os
import socket
import subprocess
import sys
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Callable, Sequence

import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
#: Seconds a process waits for its peers in a collective (and to join
#: the group): a lost peer fails a test instead of hanging it.
DIST_TIMEOUT = 120


def _init_and_run(rank: int, fn: Callable, world_size: int, init_file: str,
                  args: tuple) -> None:
    """Run ``fn`` in a gloo group and end the process without tearing the
    group down.

    torch 2.1's ``ProcessGroupGloo`` destructor joins its worker threads
    while the caller holds the GIL, and a worker that frees the last
    tensors of a finished collective (a barrier's prior all-gather, say)
    waits for the GIL to release their Python objects: a deadlock (the
    native stacks of a hung run show ``~ProcessGroupGloo`` in
    ``std::thread::join`` and the worker in ``gil_scoped_acquire`` under
    ``~AsyncBarrierWork``). The process therefore ends with ``os._exit``
    once ``fn`` is done, its failure written where the caller reads it.
    """
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=world_size,
        timeout=timedelta(seconds=DIST_TIMEOUT))
    code = 0
    try:
        fn(rank, *args)
    except BaseException:
        Path(f'{init_file}.rank{rank}.error').write_text(
            traceback.format_exc())
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


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
    init_file = tmp_path / 'gloo_init'
    try:
        mp.spawn(
            _init_and_run,
            args=(fn, world_size, str(init_file), args),
            nprocs=world_size)
    except mp.ProcessExitedException as error:
        errors = sorted(tmp_path.glob(f'{init_file.name}.rank*.error'))
        raise AssertionError('\n'.join(f'{path.name}:\n{path.read_text()}'
                                       for path in errors)
                             or str(error)) from None


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
    signal prints its Python stacks (``PYTHONFAULTHANDLER``); a lost peer
    fails a collective after ``DIST_TIMEOUT`` seconds."""
    cfg = copy.deepcopy(cfg)
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg.setdefault('timeout', DIST_TIMEOUT)
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
