# Copyright (c) mmpfb contributors. All rights reserved.
"""mmpfb's models. The density estimator and the blocking step are plain
torch; the host models are imported only where their host is installed
and register in it too, so the unscoped names work in host configs."""
from mmpfb.utils.host_libraries import (check_core_versions,
                                        check_host_version, is_installed)

check_core_versions()
from .blocking import *  # noqa: E402,F401,F403
from .density import *  # noqa: E402,F401,F403
from .losses import *  # noqa: E402,F401,F403

if is_installed('mmseg'):
    check_host_version('mmseg')
    from .segmentors import *  # noqa: F401,F403

if is_installed('mmpretrain'):
    check_host_version('mmpretrain')
    from .classifiers import *  # noqa: F401,F403
