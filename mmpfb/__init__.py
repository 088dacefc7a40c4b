# Copyright (c) mmpfb contributors. All rights reserved.
"""Partial Forward Blocking for OpenMMLab training.

Importing mmpfb registers its parts with the host libraries that are
installed (MMSegmentation and/or MMPretrain), so a config that imports it
can name them without the ``mmpfb.`` scope prefix.

It also makes ``mmpfb::`` config paths known to MMEngine: MMEngine 0.10.7
resolves ``_base_ = 'mmpfb::pfb/<name>.py'`` (to the configs that the
wheel ships in ``mmpfb/.mim/configs``) only for the packages listed in
``mmengine.config.utils.MODULE2PACKAGE``. Import mmpfb before loading
such a config (mmpfb's tools do); ``custom_imports`` come too late, as
MMEngine reads them after the ``_base_`` files.
"""
from mmengine.config.utils import MODULE2PACKAGE

from . import engine, models  # noqa: F401
from .version import __version__, version_info

MODULE2PACKAGE.setdefault('mmpfb', 'mmpfb')

__all__ = ['__version__', 'version_info']
