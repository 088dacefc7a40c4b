# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Tuple

import torch.nn as nn
from mmseg.models.backbones import ResNet
from torch import Tensor

from .backbone_splitter import (BackboneSplitter, ShallowState,
                                register_splitter)


@register_splitter
class MMSegResNetSplitter(BackboneSplitter):
    """Splitter for MMSegmentation's ResNet family.

    Stage 0 is the stem (with its max pool); stage ``i`` is ``layer{i}``.
    Outputs of stages ``<= k`` listed in ``out_indices`` are collected in
    the shallow part. Frozen stages and ``norm_eval`` are the backbone's
    own business: its modules run unchanged.
    """

    backbone_class = ResNet
    backbone_names = ('ResNet', 'ResNetV1c', 'ResNetV1d', 'ResNeXt')
    min_stage = 0

    def num_stages(self, backbone: ResNet) -> int:
        return len(backbone.res_layers)

    def channels(self, backbone: ResNet) -> int:
        if self.block_stage == 0:
            return backbone.stem_channels
        return (backbone.block.expansion * backbone.base_channels *
                2**(self.block_stage - 1))

    def _stem_modules(self, backbone: ResNet) -> Tuple[nn.Module, ...]:
        if backbone.deep_stem:
            return (backbone.stem, backbone.maxpool)
        return (backbone.conv1, backbone.norm1, backbone.relu,
                backbone.maxpool)

    def forward_shallow(self, backbone: ResNet,
                        inputs: Tensor) -> ShallowState:
        x = inputs
        for module in self._stem_modules(backbone):
            x = module(x)
        outs = []
        for i, name in enumerate(backbone.res_layers[:self.block_stage]):
            x = getattr(backbone, name)(x)
            if i in backbone.out_indices:
                outs.append(x)
        return ShallowState(feature=x, carry=x, outs=outs)

    def forward_deep(self, backbone: ResNet,
                     state: ShallowState) -> Tuple[Tensor, ...]:
        x = state.carry
        outs = list(state.outs)
        for i in range(self.block_stage, len(backbone.res_layers)):
            x = getattr(backbone, backbone.res_layers[i])(x)
            if i in backbone.out_indices:
                outs.append(x)
        return tuple(outs)

    def shallow_modules(self, backbone: ResNet) -> Iterator[nn.Module]:
        for module in self._stem_modules(backbone):
            yield from module.modules()
        for name in backbone.res_layers[:self.block_stage]:
            yield from getattr(backbone, name).modules()
