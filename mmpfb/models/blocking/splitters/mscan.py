# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, List

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


@SPLITTERS.register_module()
class MSCANSplitter(BaseSplitter):
    """Splitter for MMSegmentation's ``MSCAN`` (SegNeXt).

    MSCAN has no stem apart from stage 1's patch embedding, so stages run
    from 1; stage ``i`` is ``patch_embed{i}``, ``block{i}`` and
    ``norm{i}``, and its ``(N, C, H, W)`` output (every stage is an
    output) is scored.
    """

    backbones = ('mmseg.MSCAN', )
    min_stage = 1

    def num_stages(self, backbone: nn.Module) -> int:
        return backbone.num_stages

    def channels(self, backbone: nn.Module) -> int:
        # the output channels of the stage's patch embedding
        convs = [
            m for m in getattr(backbone,
                               f'patch_embed{self.block_stage}').modules()
            if isinstance(m, nn.Conv2d)
        ]
        return convs[-1].out_channels

    @staticmethod
    def _stage(backbone: nn.Module, i: int) -> List[nn.Module]:
        return [
            getattr(backbone, f'{name}{i}')
            for name in ('patch_embed', 'block', 'norm')
        ]

    def _run_stages(self, backbone: nn.Module, x: Tensor, stages: range,
                    outs: list) -> Tensor:
        for i in stages:
            patch_embed, block, norm = self._stage(backbone, i)
            x, h, w = patch_embed(x)
            for blk in block:
                x = blk(x, h, w)
            x = norm(x)
            x = x.reshape(x.size(0), h, w, -1).permute(0, 3, 1, 2).contiguous()
            outs.append(x)
        return x

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        outs = []
        x = self._run_stages(backbone, inputs, range(1, self.block_stage + 1),
                             outs)
        return ShallowState(feature=x, carry=x, outs=outs)

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> List[Tensor]:
        outs = list(state.outs)
        self._run_stages(backbone, state.carry,
                         range(self.block_stage + 1, backbone.num_stages + 1),
                         outs)
        return outs

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for i in range(1, self.block_stage + 1):
            for module in self._stage(backbone, i):
                yield from module.modules()
