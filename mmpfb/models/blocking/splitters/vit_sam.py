# Copyright (c) mmpfb contributors. All rights reserved.
from dataclasses import replace
from typing import Iterator, Optional, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .shallow_state import ShallowState
from .vit import _ViTSplitter


@SPLITTERS.register_module()
class ViTSAMSplitter(_ViTSplitter):
    """Splitter for MMPretrain's ``ViTSAM`` (the image encoder of Segment
    Anything).

    Stage 0 is the patch embedding with the absolute position embedding,
    stage ``i`` layer ``i``. The layers keep their tokens as an
    ``(N, H, W, C)`` grid; the scored feature is that grid as an
    ``(N, C, H, W)`` map. Outputs are collected as grids and made, as in
    the backbone's ``forward``, by its channel reduction and
    ``_format_output`` at the end of the deep part, so the channel
    reduction runs in the deep part.
    """

    backbones = ('mmpretrain.ViTSAM', )

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        x = x.view(inputs.size(0), *hw_shape, backbone.embed_dims)
        if backbone.use_abs_pos:
            from mmpretrain.models.utils import resize_pos_embed
            pos_embed = resize_pos_embed(
                backbone.pos_embed.flatten(1, 2),
                backbone.patch_resolution,
                hw_shape,
                mode=backbone.interpolate_mode,
                num_extra_tokens=0)
            x = backbone.drop_after_pos(
                x + pos_embed.view(1, *hw_shape, backbone.embed_dims))
        return x, hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed
        if backbone.use_abs_pos:
            yield backbone.drop_after_pos

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return None

    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        x = tokens.permute(0, 3, 1, 2)
        if backbone.out_channels > 0:
            x = backbone.channel_reduction(x)
        return backbone._format_output(x)

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        state = super().forward_shallow(backbone, inputs)
        return replace(state, feature=state.feature.permute(0, 3, 1, 2))
