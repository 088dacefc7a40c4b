# Copyright (c) mmpfb contributors. All rights reserved.
"""Partial Forward Blocking for OpenMMLab training.

Importing mmpfb imports no host library. Configs name the parts with the
``mmpfb.`` scope prefix (``type='mmpfb.PFBEncoderDecoder'``), which
MMEngine resolves through :mod:`mmpfb.registry`;
:func:`mmpfb.utils.register_all_modules` (or ``custom_imports =
dict(imports=['mmpfb.models', 'mmpfb.engine'])``) also registers them
under their unscoped names in the installed hosts.

The one thing the import does is make ``mmpfb::`` config paths known to
MMEngine: MMEngine 0.10.7 resolves ``_base_ = 'mmpfb::pfb/<name>.py'`` (to
the configs that the wheel ships in ``mmpfb/.mim/configs``, and that an
editable install links there) only for the
packages listed in ``mmengine.config.utils.MODULE2PACKAGE``. Import mmpfb
before loading such a config (mmpfb's tools do); ``custom_imports`` come
too late, as MMEngine reads them after the ``_base_`` files.
"""
from mmengine.config.utils import MODULE2PACKAGE

from .version import __version__, version_info

# MMEngine reads <folder of the named package>/.mim. It finds that folder
# through the distribution (pkg_resources), which for an editable install
# is site-packages, where mmpfb is not; a module name is no distribution,
# so MMEngine takes the module's own folder instead, right for a wheel
# and an editable install alike.
MODULE2PACKAGE.setdefault('mmpfb', 'mmpfb.version')

__all__ = ['__version__', 'version_info']
