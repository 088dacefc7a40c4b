# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


@SPLITTERS.register_module()
class MiTSplitter(BaseSplitter):
    """Splitter for MMSegmentation's MixVisionTransformer (SegFormer).

    MiT has no stem apart from stage 1's patch embedding, so stages run
    from 1; stage ``i`` is ``layers[i - 1]`` (patch embedding, blocks,
    norm) and its ``(N, C, H, W)`` output is scored.
    """

    backbones = ('mmseg.MixVisionTransformer', )
    min_stage = 1

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.layers)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims * backbone.num_heads[self.block_stage - 1]

    @staticmethod
    def _run_stage(layer: nn.ModuleList, x: Tensor) -> Tensor:
        from mmseg.models.utils import nlc_to_nchw
        x, hw_shape = layer[0](x)
        for block in layer[1]:
            x = block(x, hw_shape)
        x = layer[2](x)
        return nlc_to_nchw(x, hw_shape)

    def _run_stages(self, backbone: nn.Module, x: Tensor, stages: range,
                    outs: list) -> Tensor:
        for i in stages:
            x = self._run_stage(backbone.layers[i], x)
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
                         range(self.block_stage, len(backbone.layers)), outs)
        return outs

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for layer in backbone.layers[:self.block_stage]:
            yield from layer.modules()
