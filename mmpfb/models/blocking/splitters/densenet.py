# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class DenseNetSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``DenseNet``.

    Stage 0 is the stem; stage ``i`` is the dense block ``stages[i - 1]``
    and the transition after it (norm, activation, 1x1 convolution and
    average pool; the last one only norm and activation), whose result is
    what the backbone outputs.
    """

    backbones = ('mmpretrain.DenseNet', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return backbone.num_stages

    def channels(self, backbone: nn.Module) -> int:
        stage = self.block_stage
        if stage == 0:
            return backbone.init_channels
        conv = getattr(backbone.transitions[stage - 1], 'conv', None)
        if conv is not None:
            return conv.out_channels
        # the last transition keeps the channels of its dense block
        in_channels = backbone.transitions[stage - 2].conv.out_channels \
            if stage > 1 else backbone.init_channels
        return in_channels + backbone.depths[stage - 1] * backbone.growth_rate

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.stem, )
        return (backbone.stages[stage - 1], backbone.transitions[stage - 1])
