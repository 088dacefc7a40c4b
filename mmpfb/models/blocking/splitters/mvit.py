# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence, Union

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .grid_stagewise import Tokens, _GridStagewiseSplitter


@SPLITTERS.register_module()
class MViTSplitter(_GridStagewiseSplitter):
    """Splitter for MMPretrain's ``MViT`` (multiscale vision transformer,
    v2).

    Stage 0 is the patch embedding (with the absolute position
    embedding); stage ``i`` is the blocks of scale ``i - 1``, from the
    block after the previous scale's last one (``stage_indices``) to its
    own last one. When scale ``i - 1`` is in ``out_scales``, its norm
    ends the stage (the backbone goes on from the normed tokens too) and
    its tokens are output as an ``(N, C, H, W)`` map. A stage's
    ``(N, L, C)`` tokens are scored.
    """

    backbones = ('mmpretrain.MViT', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return backbone.num_scales

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.embed_dims
        last = self._last_block(backbone, self.block_stage)
        return backbone.blocks[last].out_dims

    @staticmethod
    def _last_block(backbone: nn.Module, stage: int) -> int:
        """Index of the last block of stage ``stage > 0``."""
        return next(i for i, scale in backbone.stage_indices.items()
                    if scale == stage - 1)

    def _blocks(self, backbone: nn.Module, stage: int) -> Sequence[int]:
        """Indices of the blocks of stage ``stage > 0``."""
        first = 0 if stage == 1 else self._last_block(backbone, stage - 1) + 1
        return range(first, self._last_block(backbone, stage) + 1)

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return stage > 0 and stage - 1 in backbone.out_scales

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.patch_embed, )
        modules = tuple(backbone.blocks[i]
                        for i in self._blocks(backbone, stage))
        if self._keeps_output(backbone, stage):
            modules += (getattr(backbone, f'norm{stage - 1}'), )
        return modules

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Union[Tensor, Tokens]) -> Tokens:
        if stage == 0:
            from mmpretrain.models.utils import resize_pos_embed
            x, patch_resolution = backbone.patch_embed(x)
            if backbone.use_abs_pos_embed:
                x = x + resize_pos_embed(
                    backbone.pos_embed,
                    backbone.patch_resolution,
                    patch_resolution,
                    mode=backbone.interpolate_mode,
                    num_extra_tokens=backbone.num_extra_tokens)
            return x, patch_resolution
        x, patch_resolution = x
        for i in self._blocks(backbone, stage):
            x, patch_resolution = backbone.blocks[i](x, patch_resolution)
        if self._keeps_output(backbone, stage):
            x = getattr(backbone, f'norm{stage - 1}')(x)
        return x, patch_resolution

    def _output(self, backbone: nn.Module, stage: int, x: Tokens) -> Tensor:
        x, patch_resolution = x
        n, _, c = x.shape
        return x.transpose(1, 2).reshape(n, c, *patch_resolution).contiguous()
