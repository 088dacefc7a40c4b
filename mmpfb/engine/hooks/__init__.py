# Copyright (c) mmpfb contributors. All rights reserved.
from .class_metrics_hook import ClassMetricsHook
from .drop_pfb_state_hook import DropPFBStateHook
from .infobatch_hook import InfoBatchHook
from .pfb_class_keep_hook import PFBClassKeepHook
from .pfb_hook import PFBHook

__all__ = [
    'ClassMetricsHook', 'DropPFBStateHook', 'InfoBatchHook',
    'PFBClassKeepHook', 'PFBHook'
]
