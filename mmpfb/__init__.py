# Copyright (c) mmpfb contributors. All rights reserved.
"""Partial Forward Blocking for OpenMMLab training.

Importing mmpfb imports no host library and changes nothing in the
process. Configs name the parts with the ``mmpfb.`` scope prefix
(``type='mmpfb.PFBEncoderDecoder'``), which MMEngine resolves through
:mod:`mmpfb.registry`; :func:`mmpfb.utils.register_all_modules` (or
``custom_imports = dict(imports=['mmpfb.models', 'mmpfb.engine'])``)
also registers them under their unscoped names in the installed hosts.
"""
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
