# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class VANSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``VAN`` (Visual Attention Network).

    Stages run from 1 (stage 1's patch embedding is the stem); stage
    ``i`` is ``patch_embed{i}``, the blocks ``blocks{i}`` and the token
    norm ``norm{i}``; its ``(N, C, H, W)`` result is scored, passed on and
    output as it is.
    """

    backbones = ('mmpretrain.VAN', )
    min_stage = 1

    def num_stages(self, backbone: nn.Module) -> int:
        return backbone.num_stages

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims[self.block_stage - 1]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        return tuple(
            getattr(backbone, f'{name}{stage}')
            for name in ('patch_embed', 'blocks', 'norm'))

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        patch_embed, blocks, norm = self._stage_modules(backbone, stage)
        x, hw_shape = patch_embed(x)
        for block in blocks:
            x = block(x)
        x = norm(x.flatten(2).transpose(1, 2))
        x = x.reshape(-1, *hw_shape, blocks[-1].out_channels)
        return x.permute(0, 3, 1, 2).contiguous()
