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

torch before 2.5 has no ``torch.serialization.safe_globals`` to extend
``weights_only=True`` with. There the same allow-list is kept by an
unpickler of its own (:class:`AllowListUnpickler`): torch's own
weights-only globals plus :func:`mmengine_safe_globals`, and nothing else.
"""
import codecs
import logging
import os
import os.path as osp
import pickle
import types
from typing import Dict, List, Optional, Tuple

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
    # numpy 2 moved numpy.core to numpy._core (numpy 1.26 has a stub)
    if np.lib.NumpyVersion(np.__version__) >= '2.0.0':
        multiarray = np._core.multiarray
    else:
        multiarray = np.core.multiarray
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
        if not hasattr(torch.serialization, 'safe_globals'):  # torch < 2.5
            return torch.load(
                filename,
                map_location=map_location,
                pickle_module=ALLOW_LIST_PICKLE,
                weights_only=False)
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise pickle.UnpicklingError(
            f'{filename} holds objects that are not weights nor MMEngine '
            f'state, so it was not loaded. Set {UNSAFE_ENV}=1 to unpickle '
            'it in full, only if you trust the file. torch said: '
            f'{err}') from err


def _allowed_globals() -> Dict[Tuple[str, str], object]:
    """The globals a checkpoint may name, by (module, name): those of
    torch's ``weights_only`` unpickler and :func:`mmengine_safe_globals`.
    """
    from torch._weights_only_unpickler import _get_allowed_globals
    allowed = {
        tuple(path.rsplit('.', 1)): obj
        for path, obj in _get_allowed_globals().items()
    }
    allowed.update({(obj.__module__, obj.__qualname__): obj
                    for obj in mmengine_safe_globals()})
    # how pickle's protocol 2 writes bytes (numpy's) and builtins
    allowed[('_codecs', 'encode')] = codecs.encode
    allowed.update({('__builtin__', name): obj
                    for (module, name), obj in list(allowed.items())
                    if module == 'builtins'})
    return allowed


class AllowListUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals of
    :func:`_allowed_globals` and refuses any other, without importing it.

    It keeps :func:`load_local_checkpoint`'s allow-list on torch < 2.5,
    whose ``weights_only=True`` cannot be extended: ``torch.load`` takes
    it as ``pickle_module.Unpickler`` and asks it for every global but
    torch's storage types.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = _allowed_globals()

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(
                f'global {module}.{name} is not allowed (not a weight nor '
                'MMEngine state)')
        return self.allowed[(module, name)]


def _allow_list_load(file, **kwargs) -> object:
    return AllowListUnpickler(file, **kwargs).load()


#: What :func:`load_local_checkpoint` gives ``torch.load`` as its
#: ``pickle_module`` on torch < 2.5.
ALLOW_LIST_PICKLE = types.SimpleNamespace(
    __name__='mmpfb_allow_list_pickle',
    Unpickler=AllowListUnpickler,
    load=_allow_list_load)


def use_safe_checkpoint_loader() -> None:
    """Make :func:`load_local_checkpoint` MMEngine's loader for local
    paths (the scheme with the empty prefix). Idempotent."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
