# Copyright (c) mmpfb contributors. All rights reserved.
from .pfb_hook import PFBHook

__all__ = ['PFBHook']
