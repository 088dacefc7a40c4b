# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class MiTSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's MixVisionTransformer (SegFormer).

    MiT has no stem apart from stage 1's patch embedding, so stages run
    from 1; stage ``i`` is ``layers[i - 1]`` (patch embedding, blocks,
    norm) and its ``(N, C, H, W)`` output is scored.
    """

    backbones = ('mmseg.MixVisionTransformer', )
    min_stage = 1
    outputs_type = list

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.layers)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims * backbone.num_heads[self.block_stage - 1]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        return (backbone.layers[stage - 1], )

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        from mmseg.models.utils import nlc_to_nchw
        layer = backbone.layers[stage - 1]
        x, hw_shape = layer[0](x)
        for block in layer[1]:
            x = block(x, hw_shape)
        x = layer[2](x)
        return nlc_to_nchw(x, hw_shape)
