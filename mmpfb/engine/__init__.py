# Copyright (c) mmpfb contributors. All rights reserved.
from .hooks import DropPFBStateHook, PFBHook
from .safe_checkpoint_loader import (UNSAFE_ENV, load_local_checkpoint,
                                     mmengine_safe_globals,
                                     use_safe_checkpoint_loader)

__all__ = [
    'DropPFBStateHook', 'PFBHook', 'UNSAFE_ENV', 'load_local_checkpoint',
    'mmengine_safe_globals', 'use_safe_checkpoint_loader'
]
