# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter, last_conv_channels


@SPLITTERS.register_module()
class MSCANSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's ``MSCAN`` (SegNeXt).

    MSCAN has no stem apart from stage 1's patch embedding, so stages run
    from 1; stage ``i`` is ``patch_embed{i}``, ``block{i}`` and
    ``norm{i}``, and its ``(N, C, H, W)`` output (every stage is an
    output) is scored.
    """

    backbones = ('mmseg.MSCAN', )
    min_stage = 1
    outputs_type = list

    def num_stages(self, backbone: nn.Module) -> int:
        return backbone.num_stages

    def channels(self, backbone: nn.Module) -> int:
        # the output channels of the stage's patch embedding
        return last_conv_channels(
            (getattr(backbone, f'patch_embed{self.block_stage}'), ))

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        return [
            getattr(backbone, f'{name}{stage}')
            for name in ('patch_embed', 'block', 'norm')
        ]

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        patch_embed, block, norm = self._stage_modules(backbone, stage)
        x, h, w = patch_embed(x)
        for blk in block:
            x = blk(x, h, w)
        x = norm(x)
        return x.reshape(x.size(0), h, w, -1).permute(0, 3, 1, 2).contiguous()

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return True
