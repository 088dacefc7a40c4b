# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils import is_installed
from .blocking import *  # noqa: F401,F403
from .density import *  # noqa: F401,F403

if is_installed('mmseg'):
    from .segmentors import *  # noqa: F401,F403

if is_installed('mmpretrain'):
    from .classifiers import *  # noqa: F401,F403
