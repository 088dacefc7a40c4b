# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class ResNetSplitter(StagewiseSplitter):
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

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage > 0:
            return (getattr(backbone, backbone.res_layers[stage - 1]), )
        if backbone.deep_stem:
            stem = (backbone.stem, )
        else:
            stem = (backbone.conv1, backbone.norm1, backbone.relu)
        return stem + (backbone.maxpool, ) if self.stem_maxpool else stem


@SPLITTERS.register_module()
class ResNetCIFARSplitter(ResNetSplitter):
    """Splitter for MMPretrain's ``ResNet_CIFAR``, whose stem has no max
    pool."""

    backbones = ('mmpretrain.ResNet_CIFAR', )
    stem_maxpool = False
