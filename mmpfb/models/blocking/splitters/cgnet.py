# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List, Sequence, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class CGNetSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's ``CGNet``.

    Stage 0 is the three-convolution stem with the input injected at 1/2
    resolution (``norm_prelu_0``); stages 1 and 2 are ``level1`` and
    ``level2`` with their norms (1/4 and 1/8 of the input). Stage 1 also
    reads the input pooled to 1/4, which the shallow part makes at stage
    0 and carries with the stem's map when the cut is there. Every
    stage's result is an output, returned in a list.
    """

    backbones = ('mmseg.CGNet', )
    min_stage = 0
    outputs_type = list

    def num_stages(self, backbone: nn.Module) -> int:
        return 2

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.num_channels[0] + backbone.in_channels
        if self.block_stage == 1:
            return 2 * backbone.num_channels[1] + backbone.in_channels
        return 2 * backbone.num_channels[2]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.inject_2x, backbone.inject_4x, backbone.stem,
                    backbone.norm_prelu_0)
        if stage == 1:
            return (backbone.level1, backbone.norm_prelu_1)
        return (backbone.level2, backbone.norm_prelu_2)

    def _forward_stage(
            self, backbone: nn.Module, stage: int,
            x: Union[Tensor, List[Tensor]]) -> Union[Tensor, List[Tensor]]:
        if stage == 0:
            inp_2x = backbone.inject_2x(x)
            inp_4x = backbone.inject_4x(x)
            for layer in backbone.stem:
                x = layer(x)
            return [backbone.norm_prelu_0(torch.cat([x, inp_2x], 1)), inp_4x]
        if stage == 1:
            x, inp_4x = x
            for i, layer in enumerate(backbone.level1):
                x = layer(x)
                if i == 0:
                    down1 = x
            return backbone.norm_prelu_1(torch.cat([x, down1, inp_4x], 1))
        for i, layer in enumerate(backbone.level2):
            x = layer(x)
            if i == 0:
                down2 = x
        return backbone.norm_prelu_2(torch.cat([down2, x], 1))

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return True

    def _output(self, backbone: nn.Module, stage: int,
                x: Union[Tensor, List[Tensor]]) -> Tensor:
        return x[0] if stage == 0 else x

    def _scored_feature(self, x: Union[Tensor, List[Tensor]]) -> Tensor:
        return x if isinstance(x, Tensor) else x[0]
