# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils.host_libraries import (check_core_versions,
                                        check_host_version, is_installed)

check_core_versions()
from .hooks import (  # noqa: E402
    ClassMetricsHook, DropPFBStateHook, InfoBatchHook, PFBClassKeepHook,
    PFBHook)
from .safe_checkpoint_loader import (  # noqa: E402
    UNSAFE_ENV, load_local_checkpoint, mmengine_safe_globals,
    use_safe_checkpoint_loader)

__all__ = [
    'ClassMetricsHook', 'DropPFBStateHook', 'InfoBatchHook',
    'PFBClassKeepHook', 'PFBHook', 'UNSAFE_ENV', 'load_local_checkpoint',
    'mmengine_safe_globals', 'use_safe_checkpoint_loader'
]

if is_installed('mmseg'):
    check_host_version('mmseg')
    from .classwise_iou_metric import ClasswiseIoUMetric  # noqa: F401
    __all__.append('ClasswiseIoUMetric')
