# Copyright (c) mmpfb contributors. All rights reserved.
from .infobatch_hook import InfoBatchHook
from .pfb_hook import PFBHook

__all__ = ['InfoBatchHook', 'PFBHook']
