# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


@SPLITTERS.register_module()
class TwinsSplitter(BaseSplitter):
    """Splitter for MMSegmentation's Twins backbones, ``PCPVT`` and
    ``SVT`` (which keeps PCPVT's ``forward``).

    Stages run from 1 (stage 1's patch embedding is the stem); stage
    ``i`` is the patch embedding, position-encoding dropout, layers (the
    conditional position encoding after the first), optional norm of
    index ``i - 1``; its ``(N, C, H, W)`` output is scored.
    """

    backbones = ('mmseg.PCPVT', )
    min_stage = 1

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.depths)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.patch_embeds[self.block_stage -
                                     1].projection.out_channels

    @staticmethod
    def _stage(backbone: nn.Module, i: int) -> Tuple[nn.Module, ...]:
        modules = (backbone.patch_embeds[i],
                   backbone.position_encoding_drops[i], backbone.layers[i],
                   backbone.position_encodings[i])
        if backbone.norm_after_stage:
            modules += (backbone.norm_list[i], )
        return modules

    def _run_stages(self, backbone: nn.Module, x: Tensor, stages: range,
                    outs: list) -> Tensor:
        for i in stages:
            x, hw_shape = backbone.patch_embeds[i](x)
            h, w = hw_shape
            x = backbone.position_encoding_drops[i](x)
            for j, blk in enumerate(backbone.layers[i]):
                x = blk(x, hw_shape)
                if j == 0:
                    x = backbone.position_encodings[i](x, hw_shape)
            if backbone.norm_after_stage:
                x = backbone.norm_list[i](x)
            x = x.reshape(x.size(0), h, w, -1).permute(0, 3, 1, 2).contiguous()
            if i in backbone.out_indices:
                outs.append(x)
        return x

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        outs = []
        x = self._run_stages(backbone, inputs, range(self.block_stage), outs)
        return ShallowState(feature=x, carry=x, outs=outs)

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Tuple[Tensor, ...]:
        outs = list(state.outs)
        self._run_stages(backbone, state.carry,
                         range(self.block_stage, len(backbone.depths)), outs)
        return tuple(outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for i in range(self.block_stage):
            for module in self._stage(backbone, i):
                yield from module.modules()
