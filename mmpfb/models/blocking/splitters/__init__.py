# Copyright (c) mmpfb contributors. All rights reserved.
"""Backbone splitters: one module per backbone family, each registered in
:data:`mmpfb.registry.SPLITTERS` for every host that has the family.
Importing them imports no host library."""
from .base_splitter import BaseSplitter
from .builder import build_splitter
from .convnext import ConvNeXtSplitter
from .hrnet import MMPretrainHRNetSplitter, MMSegHRNetSplitter
from .mit import MiTSplitter
from .mscan import MSCANSplitter
from .resnet import ResNetCIFARSplitter, ResNetSplitter
from .sequential import (EfficientNetSplitter, MMSegMobileNetV2Splitter,
                         MMSegMobileNetV3Splitter, MobileNetV2Splitter,
                         MobileNetV3Splitter, PoolFormerSplitter,
                         RegNetSplitter)
from .shallow_state import ShallowState
from .stagewise_splitter import StagewiseSplitter
from .swin import MMPretrainSwinSplitter, MMSegSwinSplitter
from .twins import TwinsSplitter
from .unet import UNetSplitter
from .vit import (MMPretrainBEiTSplitter, MMPretrainDeiT3Splitter,
                  MMPretrainDeiTSplitter, MMPretrainViTSplitter,
                  MMSegBEiTSplitter, MMSegMAESplitter, MMSegViTSplitter)

__all__ = [
    'BaseSplitter', 'StagewiseSplitter', 'ShallowState', 'build_splitter',
    'MiTSplitter', 'ResNetSplitter', 'ResNetCIFARSplitter',
    'MMSegSwinSplitter', 'MMPretrainSwinSplitter', 'MMSegViTSplitter',
    'MMSegBEiTSplitter', 'MMSegMAESplitter', 'MMPretrainViTSplitter',
    'MMPretrainDeiTSplitter', 'MMPretrainDeiT3Splitter',
    'MMPretrainBEiTSplitter', 'ConvNeXtSplitter', 'MMSegHRNetSplitter',
    'MMPretrainHRNetSplitter', 'MobileNetV2Splitter',
    'MMSegMobileNetV2Splitter', 'MobileNetV3Splitter',
    'MMSegMobileNetV3Splitter', 'EfficientNetSplitter', 'RegNetSplitter',
    'PoolFormerSplitter', 'MSCANSplitter', 'TwinsSplitter', 'UNetSplitter'
]
