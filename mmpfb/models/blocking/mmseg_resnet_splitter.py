# Copyright (c) mmpfb contributors. All rights reserved.
from mmseg.models.backbones import ResNet

from .backbone_splitter import register_splitter
from .resnet_splitter import ResNetSplitter


@register_splitter
class MMSegResNetSplitter(ResNetSplitter):
    """Splitter for MMSegmentation's ResNet family."""

    backbone_class = ResNet
    backbone_names = ('ResNet', 'ResNetV1c', 'ResNetV1d', 'ResNeXt')

    def expansion(self, backbone: ResNet) -> int:
        return backbone.block.expansion
