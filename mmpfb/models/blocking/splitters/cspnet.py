# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class CSPNetSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``CSPNet`` and the backbones that keep
    its ``forward``: ``CSPDarkNet``, ``CSPResNet`` and ``CSPResNeXt``.

    Stage 0 is the stem, stage ``i`` the cross stage partial stage
    ``stages[i - 1]`` (with its downsampling convolution, if any).
    """

    backbones = ('mmpretrain.CSPNet', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            # the stem makes the first stage's input
            return backbone.arch['in_channels'][0]
        return backbone.arch['out_channels'][self.block_stage - 1]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.stem, )
        return (backbone.stages[stage - 1], )
