# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils.host_libraries import check_core_versions

check_core_versions()
# isort: off
from .hooks import (  # noqa: E402
    ClassMetricsHook, DropPFBStateHook, PFBClassKeepHook, PFBHook,
    RandomStateCheckpointHook, SafeCheckpointLoaderHook)
from .safe_checkpoint_loader import (  # noqa: E402
    UNSAFE_ENV, load_local_checkpoint, mmengine_safe_globals,
    use_safe_checkpoint_loader)
# isort: on

__all__ = [
    'ClassMetricsHook', 'DropPFBStateHook', 'PFBClassKeepHook', 'PFBHook',
    'RandomStateCheckpointHook', 'SafeCheckpointLoaderHook', 'UNSAFE_ENV',
    'load_local_checkpoint', 'mmengine_safe_globals',
    'use_safe_checkpoint_loader'
]
