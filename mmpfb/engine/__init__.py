# Copyright (c) mmpfb contributors. All rights reserved.
from .hooks import PFBHook
from .local_checkpoint_loader import load_trusted_local_checkpoint

__all__ = ['PFBHook', 'load_trusted_local_checkpoint']
