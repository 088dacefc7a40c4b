# Copyright (c) mmpfb contributors. All rights reserved.
"""Partial Forward Blocking for OpenMMLab training.

Importing mmpfb registers its parts with the host libraries that are
installed (MMSegmentation and/or MMPretrain), so a config that imports it
can name them without the ``mmpfb.`` scope prefix.
"""
from . import engine, models  # noqa: F401
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
