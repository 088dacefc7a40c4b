# Copyright (c) mmpfb contributors. All rights reserved.
from .class_metrics_hook import ClassMetricsHook
from .pfb_class_keep_hook import PFBClassKeepHook
from .pfb_hook import PFBHook

__all__ = ['ClassMetricsHook', 'PFBClassKeepHook', 'PFBHook']
