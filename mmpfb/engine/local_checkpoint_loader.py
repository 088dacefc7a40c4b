# Copyright (c) mmpfb contributors. All rights reserved.
"""Let MMEngine 0.10.7 load its own checkpoints under torch >= 2.6.

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``; since
torch 2.6 that defaults to True and refuses the ``HistoryBuffer`` and
other objects MMEngine itself stores in a checkpoint, so ``resume=True``
and ``load_from=`` fail. Importing mmpfb replaces MMEngine's loader for
local paths (the scheme with the empty prefix) with one that unpickles
in full. Load only checkpoints you trust, as with any pickle.
"""
import os.path as osp
from typing import Optional

import torch
from mmengine.runner import CheckpointLoader


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_trusted_local_checkpoint(filename: str,
                                  map_location: Optional[str] = None
                                  ) -> dict:
    """Load a local checkpoint file with ``weights_only=False``.

    Args:
        filename (str): Local checkpoint path; ``~`` is expanded.
        map_location (str, optional): As for :func:`torch.load`.
            Defaults to None.

    Returns:
        dict: The loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)
