# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


class _VigSplitter(StagewiseSplitter):
    """What the Vision GNNs share: stage 0 is the convolutional stem plus
    the position embedding; the stages after it run in a chain, each
    output as it is when its index is in ``out_indices``."""

    min_stage = 0

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        if stage == 0:
            return backbone.stem(x) + backbone.pos_embed
        return super()._forward_stage(backbone, stage, x)


@SPLITTERS.register_module()
class VigSplitter(_VigSplitter):
    """Splitter for MMPretrain's ``Vig`` (isotropic): stage ``i`` is
    block ``i`` (Grapher and FFN), so ``block_stage`` counts blocks."""

    backbones = ('mmpretrain.Vig', )

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.blocks)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.pos_embed.size(1)

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.stem, )
        return (backbone.blocks[stage - 1], )


@SPLITTERS.register_module()
class PyramidVigSplitter(_VigSplitter):
    """Splitter for MMPretrain's ``PyramidVig``: stage ``i`` is its stage
    ``i`` (downsampling and blocks)."""

    backbones = ('mmpretrain.PyramidVig', )

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.channels[max(self.block_stage - 1, 0)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.stem, )
        return (backbone.stages[stage - 1], )
