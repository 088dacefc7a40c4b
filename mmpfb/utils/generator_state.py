# Copyright (c) mmpfb contributors. All rights reserved.
"""Per-rank random generator states in checkpoints.

Only rank 0 writes a checkpoint, so a random state that differs between
the processes travels as a table with one row per rank of the saving run.
On resume each rank restores its own row. A run on another number of
processes cannot continue exactly: ranks the checkpoint lacks keep their
seeded states, and a warning says so.
"""
import logging
from typing import List, Optional

from mmengine.logging import print_log
from torch import Tensor

from .loaded_state import generator_state_on_host


def rank_states_to_restore(saved: Tensor, holder: str,
                           world_size: int) -> List[Optional[Tensor]]:
    """The rows of a per-rank state table that this run's ranks restore.

    Logs a warning when the table holds the states of another number of
    processes than ``world_size``.

    Args:
        saved (Tensor): One state per rank of the saving run, shape
            (saving world size, ...).
        holder (str): What holds the states, the start of the warning
            (``'<who>: <where> holds the <what> states'``), which goes on
            ``' of 2 process(es), this run has 1: ...'``.
        world_size (int): The number of processes of this run.

    Returns:
        list[Tensor | None]: For each rank of this run, its row as the
        random state setters take it, on the CPU wherever the table lies
        (:func:`~.loaded_state.generator_state_on_host`), or None where
        the table lacks it: that rank keeps its seeded state.
    """
    num_saved = saved.size(0)
    if num_saved != world_size:
        print_log(
            f'{holder} of {num_saved} process(es), this run has '
            f'{world_size}: ranks below {min(num_saved, world_size)} '
            'restore theirs, the others keep their seeded states; the run '
            'does not continue exactly.',
            logger='current',
            level=logging.WARNING)
    return [
        generator_state_on_host(saved[rank]) if rank < num_saved else None
        for rank in range(world_size)
    ]
