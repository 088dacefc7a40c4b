# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


@SPLITTERS.register_module()
class ResNetSplitter(BaseSplitter):
    """Splitter for the OpenMMLab ResNet family of both hosts.

    Stage 0 is the stem (with its max pool unless :attr:`stem_maxpool` is
    False); stage ``i`` is ``layer{i}``. Outputs of stages ``<= k`` listed
    in ``out_indices`` are collected in the shallow part. Frozen stages
    and ``norm_eval`` are the backbone's own business: its modules run
    unchanged. ``ResNetV1c``, ``ResNetV1d`` and ``ResNeXt`` keep
    ``ResNet.forward`` and are covered through it.
    """

    backbones = ('mmseg.ResNet', 'mmpretrain.ResNet')
    min_stage = 0
    stem_maxpool = True

    @staticmethod
    def expansion(backbone: nn.Module) -> int:
        """Channel expansion of the residual blocks (MMPretrain stores it
        on the backbone, MMSegmentation on the block class)."""
        return getattr(backbone, 'expansion', None) or \
            backbone.block.expansion

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.res_layers)

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.stem_channels
        return (self.expansion(backbone) * backbone.base_channels *
                2**(self.block_stage - 1))

    def _stem_modules(self, backbone: nn.Module) -> Tuple[nn.Module, ...]:
        if backbone.deep_stem:
            stem = (backbone.stem, )
        else:
            stem = (backbone.conv1, backbone.norm1, backbone.relu)
        return stem + (backbone.maxpool, ) if self.stem_maxpool else stem

    def forward_shallow(self, backbone: nn.Module,
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

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Tuple[Tensor, ...]:
        x = state.carry
        outs = list(state.outs)
        for i in range(self.block_stage, len(backbone.res_layers)):
            x = getattr(backbone, backbone.res_layers[i])(x)
            if i in backbone.out_indices:
                outs.append(x)
        return tuple(outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for module in self._stem_modules(backbone):
            yield from module.modules()
        for name in backbone.res_layers[:self.block_stage]:
            yield from getattr(backbone, name).modules()


@SPLITTERS.register_module()
class ResNetCIFARSplitter(ResNetSplitter):
    """Splitter for MMPretrain's ``ResNet_CIFAR``, whose stem has no max
    pool."""

    backbones = ('mmpretrain.ResNet_CIFAR', )
    stem_maxpool = False
