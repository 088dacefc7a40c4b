# Copyright (c) mmpfb contributors. All rights reserved.
"""mmpfb's models. The density estimator and the blocking step are plain
torch; the host models are imported only where their host is installed
and register in it too, so the unscoped names work in host configs."""
from mmpfb.utils.host_libraries import is_installed
from .blocking import *  # noqa: F401,F403
from .density import *  # noqa: F401,F403
from .infobatch import *  # noqa: F401,F403

if is_installed('mmseg'):
    from .segmentors import *  # noqa: F401,F403

if is_installed('mmpretrain'):
    from .classifiers import *  # noqa: F401,F403
