# Copyright (c) mmpfb contributors. All rights reserved.
"""Run a test function on two CPU processes joined by a gloo group."""
from pathlib import Path
from typing import Callable

import torch.distributed as dist
import torch.multiprocessing as mp


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
