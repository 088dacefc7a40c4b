# Copyright (c) mmpfb contributors. All rights reserved.
"""Backbone splitters: one module per backbone family, each registered in
:data:`mmpfb.registry.SPLITTERS` for every host that has the family.
Importing them imports no host library."""
from .alexnet import AlexNetSplitter, LeNet5Splitter
from .base_splitter import BaseSplitter
from .bisenet import BiSeNetV1Splitter, STDCContextPathNetSplitter
from .builder import build_splitter
from .cgnet import CGNetSplitter
from .conformer import ConformerSplitter
from .convmixer import ConvMixerSplitter
from .convnext import ConvNeXtSplitter
from .cspnet import CSPNetSplitter
from .davit import DaViTSplitter
from .ddrnet import DDRNetSplitter, PIDNetSplitter
from .densenet import DenseNetSplitter
from .edgenext import EdgeNeXtSplitter
from .efficientformer import EfficientFormerSplitter
from .erfnet import ERFNetSplitter
from .fast_scnn import FastSCNNSplitter
from .hivit import HiViTSplitter
from .hornet import HorNetSplitter
from .hrnet import MMPretrainHRNetSplitter, MMSegHRNetSplitter
from .icnet import ICNetSplitter
from .inception import InceptionV3Splitter
from .levit import LeViTSplitter
from .mit import MiTSplitter
from .mlp_mixer import MlpMixerSplitter
from .mobilevit import MobileViTSplitter
from .mscan import MSCANSplitter
from .mvit import MViTSplitter
from .replknet import RepLKNetSplitter
from .repmlp import RepMLPNetSplitter
from .repvgg import MobileOneSplitter, RepVGGSplitter
from .resnet import ResNetCIFARSplitter, ResNetSplitter
from .revvit import RevViTSplitter
from .riformer import RIFormerSplitter
from .sequential import (EfficientNetSplitter, MMSegMobileNetV2Splitter,
                         MMSegMobileNetV3Splitter, MobileNetV2Splitter,
                         MobileNetV3Splitter, PoolFormerSplitter,
                         RegNetSplitter)
from .shallow_state import ShallowState
from .shufflenet import ShuffleNetV1Splitter, ShuffleNetV2Splitter
from .stagewise_splitter import StagewiseSplitter
from .stdc import STDCNetSplitter
from .swin import (MMPretrainSwinSplitter, MMPretrainSwinV2Splitter,
                   MMSegSwinSplitter)
from .t2t_vit import T2TViTSplitter
from .tinyvit import TinyViTSplitter
from .tnt import TNTSplitter
from .twins import MMPretrainTwinsSplitter, TwinsSplitter
from .unet import UNetSplitter
from .van import VANSplitter
from .vgg import VGGSplitter
from .vig import PyramidVigSplitter, VigSplitter
from .vit import (MMPretrainBEiTSplitter, MMPretrainDeiT3Splitter,
                  MMPretrainDeiTSplitter, MMPretrainViTSplitter,
                  MMSegBEiTSplitter, MMSegMAESplitter, MMSegViTSplitter)
from .vit_eva02 import ViTEVA02Splitter
from .vit_sam import ViTSAMSplitter
from .xcit import XCiTSplitter

__all__ = [
    'BaseSplitter',
    'StagewiseSplitter',
    'ShallowState',
    'build_splitter',
    'AlexNetSplitter',
    'BiSeNetV1Splitter',
    'CGNetSplitter',
    'CSPNetSplitter',
    'ConformerSplitter',
    'ConvMixerSplitter',
    'ConvNeXtSplitter',
    'DDRNetSplitter',
    'DaViTSplitter',
    'DenseNetSplitter',
    'ERFNetSplitter',
    'EdgeNeXtSplitter',
    'EfficientFormerSplitter',
    'EfficientNetSplitter',
    'FastSCNNSplitter',
    'HiViTSplitter',
    'HorNetSplitter',
    'ICNetSplitter',
    'InceptionV3Splitter',
    'LeNet5Splitter',
    'LeViTSplitter',
    'MMPretrainBEiTSplitter',
    'MMPretrainDeiT3Splitter',
    'MMPretrainDeiTSplitter',
    'MMPretrainHRNetSplitter',
    'MMPretrainSwinSplitter',
    'MMPretrainSwinV2Splitter',
    'MMPretrainTwinsSplitter',
    'MMPretrainViTSplitter',
    'MMSegBEiTSplitter',
    'MMSegHRNetSplitter',
    'MMSegMAESplitter',
    'MMSegMobileNetV2Splitter',
    'MMSegMobileNetV3Splitter',
    'MMSegSwinSplitter',
    'MMSegViTSplitter',
    'MSCANSplitter',
    'MViTSplitter',
    'MiTSplitter',
    'MlpMixerSplitter',
    'MobileNetV2Splitter',
    'MobileNetV3Splitter',
    'MobileOneSplitter',
    'MobileViTSplitter',
    'PIDNetSplitter',
    'PoolFormerSplitter',
    'PyramidVigSplitter',
    'RIFormerSplitter',
    'RegNetSplitter',
    'RepLKNetSplitter',
    'RepMLPNetSplitter',
    'RepVGGSplitter',
    'ResNetCIFARSplitter',
    'ResNetSplitter',
    'RevViTSplitter',
    'STDCContextPathNetSplitter',
    'STDCNetSplitter',
    'ShuffleNetV1Splitter',
    'ShuffleNetV2Splitter',
    'T2TViTSplitter',
    'TNTSplitter',
    'TinyViTSplitter',
    'TwinsSplitter',
    'UNetSplitter',
    'VANSplitter',
    'VGGSplitter',
    'ViTEVA02Splitter',
    'ViTSAMSplitter',
    'VigSplitter',
    'XCiTSplitter',
]
