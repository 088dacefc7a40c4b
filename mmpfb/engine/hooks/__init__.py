# Copyright (c) mmpfb contributors. All rights reserved.
from .class_metrics_hook import ClassMetricsHook
from .drop_pfb_state_hook import DropPFBStateHook
from .pfb_class_keep_hook import PFBClassKeepHook
from .pfb_hook import PFBHook
from .random_state_checkpoint_hook import RandomStateCheckpointHook
from .safe_checkpoint_loader_hook import SafeCheckpointLoaderHook

__all__ = [
    'ClassMetricsHook', 'DropPFBStateHook', 'PFBClassKeepHook', 'PFBHook',
    'RandomStateCheckpointHook', 'SafeCheckpointLoaderHook'
]
