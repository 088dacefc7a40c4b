# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class LeViTSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``LeViT`` (also after
    ``switch_to_deploy``).

    Stage 0 is the convolutional patch embedding, flattened to tokens;
    stage ``i`` is ``stages[i - 1]`` (its attention subsampling first,
    from stage 2 on). The ``(N, L, C)`` tokens of a stage are scored and
    output as a square ``(N, C, H, W)`` map of side
    ``resolutions[i - 1]``.
    """

    backbones = ('mmpretrain.LeViT', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims[max(self.block_stage - 1, 0)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.patch_embed, )
        return (backbone.stages[stage - 1], )

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        if stage == 0:
            return backbone.patch_embed(x).flatten(2).transpose(1, 2)
        return backbone.stages[stage - 1](x)

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        resolution = backbone.resolutions[stage - 1]
        out = x.reshape(x.size(0), resolution, resolution, x.size(2))
        return out.permute(0, 3, 1, 2).contiguous()
