# Copyright (c) mmpfb contributors. All rights reserved.
"""Load MMEngine's own checkpoints under torch >= 2.6 without unpickling
arbitrary objects.

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``; since
torch 2.6 that means ``weights_only=True``, which refuses the message
hub's ``HistoryBuffer`` and numpy values that MMEngine itself stores, so
``resume=True`` and ``load_from=`` fail. :func:`use_safe_checkpoint_loader`
replaces MMEngine's loader for local files by
:func:`load_local_checkpoint` (``weights_only=True`` with exactly those
classes allowed). Untrusted full pickles stay refused unless the
environment variable ``MMPFB_UNSAFE_CHECKPOINTS=1`` opts in, which logs a
warning at every such load.
"""
import logging
import os
import os.path as osp
import pickle
from typing import List, Optional

import mmengine.optim.scheduler as mmengine_schedulers
import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner import CheckpointLoader

UNSAFE_ENV = 'MMPFB_UNSAFE_CHECKPOINTS'


def mmengine_safe_globals() -> List[object]:
    """What MMEngine's checkpoints hold besides tensors and builtins: the
    message hub's ``HistoryBuffer``, the numpy arrays, scalars and dtypes
    it logs, and MMEngine's parameter scheduler classes (a scheduler's
    state may name one of its own functions, e.g. the annealing function
    of ``OneCycleParamScheduler``)."""
    multiarray = np._core.multiarray
    dtype_classes = {type(np.dtype(code)) for code in np.typecodes['All']}
    schedulers = [
        getattr(mmengine_schedulers, name)
        for name in mmengine_schedulers.__all__
        if isinstance(getattr(mmengine_schedulers, name), type)
    ]
    return [
        *schedulers, HistoryBuffer, multiarray._reconstruct, multiarray.scalar,
        np.ndarray, np.dtype, getattr,
        *sorted(dtype_classes, key=lambda cls: cls.__name__)
    ]


def load_local_checkpoint(filename: str,
                          map_location: Optional[str] = None) -> dict:
    """Load a local checkpoint with ``weights_only=True``, allowing the
    classes of :func:`mmengine_safe_globals` only.

    Args:
        filename (str): Local checkpoint path; ``~`` is expanded.
        map_location (str, optional): As for :func:`torch.load`.
            Defaults to None.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If the file does not exist.
        pickle.UnpicklingError: If the file holds other objects; the
            message names the opt-in for trusted files.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if os.environ.get(UNSAFE_ENV) == '1':
        print_log(
            f'{UNSAFE_ENV}=1: unpickling {filename} in full; this runs any '
            'code the file holds. Load only files you trust.',
            logger='current',
            level=logging.WARNING)
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise pickle.UnpicklingError(
            f'{filename} holds objects that are not weights nor MMEngine '
            f'state, so it was not loaded. Set {UNSAFE_ENV}=1 to unpickle '
            'it in full, only if you trust the file. torch said: '
            f'{err}') from err


def use_safe_checkpoint_loader() -> None:
    """Make :func:`load_local_checkpoint` MMEngine's loader for local
    paths (the scheme with the empty prefix). Idempotent."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
