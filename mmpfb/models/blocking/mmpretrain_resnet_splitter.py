# Copyright (c) mmpfb contributors. All rights reserved.
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR

from .backbone_splitter import register_splitter
from .resnet_splitter import ResNetSplitter


@register_splitter
class MMPretrainResNetSplitter(ResNetSplitter):
    """Splitter for MMPretrain's ResNet family."""

    backbone_class = ResNet
    backbone_names = ('ResNet', 'ResNetV1c', 'ResNetV1d', 'ResNeXt')

    def expansion(self, backbone: ResNet) -> int:
        return backbone.expansion


@register_splitter
class MMPretrainResNetCIFARSplitter(MMPretrainResNetSplitter):
    """Splitter for MMPretrain's ResNet_CIFAR, whose stem has no max pool.
    """

    backbone_class = ResNet_CIFAR
    backbone_names = ('ResNet_CIFAR', )
    stem_maxpool = False
