# Copyright (c) mmpfb contributors. All rights reserved.
from .hooks import DropPFBStateHook, InfoBatchHook, PFBHook
from .safe_checkpoint_loader import (UNSAFE_ENV, load_local_checkpoint,
                                     mmengine_safe_globals,
                                     use_safe_checkpoint_loader)

__all__ = [
    'DropPFBStateHook', 'InfoBatchHook', 'PFBHook', 'UNSAFE_ENV',
    'load_local_checkpoint', 'mmengine_safe_globals',
    'use_safe_checkpoint_loader'
]
