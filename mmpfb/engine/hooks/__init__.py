# Copyright (c) mmpfb contributors. All rights reserved.
from .drop_pfb_state_hook import DropPFBStateHook
from .infobatch_hook import InfoBatchHook
from .pfb_hook import PFBHook

__all__ = ['DropPFBStateHook', 'InfoBatchHook', 'PFBHook']
