# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence, Union

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .grid_stagewise import Tokens, _GridStagewiseSplitter


@SPLITTERS.register_module()
class HiViTSplitter(_GridStagewiseSplitter):
    """Splitter for MMPretrain's ``HiViT``.

    Stage 0 is the patch embedding; stage ``i`` is the block
    ``blocks[i - 1]``, so ``block_stage`` counts blocks: first the MLP
    blocks and patch merges of the stem, which work on the inner patches
    of each patch (``(N, L, p, p, C)``, scored as ``(N, L * p * p, C)``
    tokens), then the ``num_main_blocks`` main blocks on ``(N, L, C)``
    tokens, the first of them after the position embedding and its
    dropout. A block whose index (counted within the stem or within the
    main blocks) is in ``out_indices`` makes its tokens an
    ``(N, C, H, W)`` map, which the backbone outputs and goes on from.
    """

    backbones = ('mmpretrain.HiViT', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.blocks)

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.patch_embed.embed_dim
        block = backbone.blocks[self.block_stage - 1]
        if hasattr(block, 'reduction'):  # a patch merge
            return block.reduction.out_features
        return block.dim

    @staticmethod
    def _num_stem(backbone: nn.Module) -> int:
        """Number of blocks before the main blocks."""
        return len(backbone.blocks) - backbone.num_main_blocks

    def _index(self, backbone: nn.Module, stage: int) -> int:
        """The index of block ``blocks[stage - 1]`` as ``out_indices``
        counts it: within the stem or within the main blocks."""
        num_stem = self._num_stem(backbone)
        return stage - 1 if stage <= num_stem else stage - 1 - num_stem

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return stage > 0 and self._index(backbone,
                                         stage) in backbone.out_indices

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.patch_embed, )
        if stage == self._num_stem(backbone) + 1:  # the first main block
            return (backbone.pos_drop, backbone.blocks[stage - 1])
        return (backbone.blocks[stage - 1], )

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Union[Tensor, Tokens]) -> Tokens:
        if stage == 0:
            return backbone.patch_embed(x), tuple(x.shape[-2:])
        x, (h, w) = x
        hp, wp = h // backbone.patch_size, w // backbone.patch_size
        b = x.size(0)
        block = backbone.blocks[stage - 1]
        num_stem = self._num_stem(backbone)
        if stage <= num_stem:
            x = block(x)
            if self._keeps_output(backbone, stage):
                x = x.reshape(b, hp, wp, *x.shape[-3:]).permute(
                    0, 5, 1, 3, 2, 4).reshape(b, -1, hp * x.shape[-3],
                                              wp * x.shape[-2]).contiguous()
            return x, (h, w)
        if stage == num_stem + 1:
            x = x[..., 0, 0, :]
            if backbone.ape:
                x = x + backbone.interpolate_pos_encoding(x, h, w)
            x = backbone.pos_drop(x)
        x = block(x, True if backbone.rpe else None)
        if self._keeps_output(backbone, stage):
            x = x.transpose(1, 2).view(b, -1, hp, wp).contiguous()
        return x, (h, w)

    def _output(self, backbone: nn.Module, stage: int, x: Tokens) -> Tensor:
        return x[0]

    def _scored_feature(self, x: Tokens) -> Tensor:
        tokens = x[0]
        if tokens.dim() == 5:  # inner patches of each patch
            return tokens.flatten(1, 3)
        return tokens
