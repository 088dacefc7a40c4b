# Copyright (c) mmpfb contributors. All rights reserved.
"""Backbone splitters: one module per backbone family, each registered in
:data:`mmpfb.registry.SPLITTERS` for every host that has the family.
Importing them imports no host library."""
from .base_splitter import BaseSplitter
from .builder import build_splitter
from .mit import MiTSplitter
from .resnet import ResNetCIFARSplitter, ResNetSplitter
from .shallow_state import ShallowState
from .swin import MMPretrainSwinSplitter, MMSegSwinSplitter
from .unet import UNetSplitter

__all__ = [
    'BaseSplitter', 'ShallowState', 'build_splitter', 'MiTSplitter',
    'ResNetSplitter', 'ResNetCIFARSplitter', 'MMSegSwinSplitter',
    'MMPretrainSwinSplitter', 'UNetSplitter'
]
