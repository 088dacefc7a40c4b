# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterable, Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class TinyViTSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``TinyViT``.

    Stage 0 is the convolutional patch embedding (its ``(N, C, H, W)``
    map is scored); stage ``i`` is ``stages[i - 1]`` with the patch
    merging that ends it, whose ``(N, L, C)`` tokens are scored. Outputs
    (``norm{i - 1}``, with ``gap_before_final_norm``) are made as in the
    backbone's ``forward``.
    """

    backbones = ('mmpretrain.TinyViT', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.channels[min(self.block_stage,
                                     len(backbone.stages) - 1)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.patch_embed, )
        return (backbone.stages[stage - 1], )

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        norm_layer = getattr(backbone, f'norm{stage - 1}')
        if backbone.gap_before_final_norm:
            return norm_layer(x.mean(1))
        out = norm_layer(x)
        out = out.view(
            out.size(0), *backbone.stages[stage - 1].resolution, out.size(2))
        return out.permute(0, 3, 1, 2)

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        if self._keeps_output(backbone, stage):
            return (getattr(backbone, f'norm{stage - 1}'), )
        return ()
