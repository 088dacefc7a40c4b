# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils.host_libraries import is_installed
from .hooks import (ClassMetricsHook, DropPFBStateHook, InfoBatchHook,
                    PFBClassKeepHook, PFBHook)
from .safe_checkpoint_loader import (UNSAFE_ENV, load_local_checkpoint,
                                     mmengine_safe_globals,
                                     use_safe_checkpoint_loader)

__all__ = [
    'ClassMetricsHook', 'DropPFBStateHook', 'InfoBatchHook',
    'PFBClassKeepHook', 'PFBHook', 'UNSAFE_ENV', 'load_local_checkpoint',
    'mmengine_safe_globals', 'use_safe_checkpoint_loader'
]

if is_installed('mmseg'):
    from .classwise_iou_metric import ClasswiseIoUMetric  # noqa: F401
    __all__.append('ClasswiseIoUMetric')
