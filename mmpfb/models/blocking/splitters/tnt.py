# Copyright (c) mmpfb contributors. All rights reserved.
from dataclasses import replace
from typing import List, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .shallow_state import ShallowState
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class TNTSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``TNT`` (Transformer in Transformer).

    Stage 0 is the pixel and patch embedding, stage ``i`` layer ``i``. A
    stage's result is the pair of streams the layers pass on: the pixel
    embedding, batch first as ``(N, patches, pixels, C)`` (the backbone
    keeps it as ``(N * patches, pixels, C)``), and the patch tokens, which
    are scored. The backbone outputs the normed class token after the
    last layer.
    """

    backbones = ('mmpretrain.TNT', )

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.layers)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims_outer

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.pixel_embed, backbone.norm1_proj,
                    backbone.projection, backbone.norm2_proj,
                    backbone.drop_after_pos)
        return (backbone.layers[stage - 1], )

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x) -> List[Tensor]:
        if stage == 0:
            batch = x.size(0)
            pixel = backbone.pixel_embed(x, backbone.pixel_pos)
            patch = backbone.norm2_proj(
                backbone.projection(
                    backbone.norm1_proj(
                        pixel.reshape(batch, backbone.num_patches, -1))))
            patch = torch.cat(
                (backbone.cls_token.expand(batch, -1, -1), patch), dim=1)
            patch = backbone.drop_after_pos(patch + backbone.patch_pos)
        else:
            pixel, patch = x
            batch = patch.size(0)
            pixel, patch = backbone.layers[stage - 1](pixel.flatten(0, 1),
                                                      patch)
        return [pixel.unflatten(0, (batch, -1)), patch]

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return stage == self.num_stages(backbone)

    def _output(self, backbone: nn.Module, stage: int, x) -> Tensor:
        return backbone.norm(x[1])[:, 0]

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Sequence[nn.Module]:
        if self._keeps_output(backbone, stage):
            return (backbone.norm, )
        return ()

    def _scored_feature(self, x) -> Tensor:
        return x[1]

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        # a layer adds the pixel stream to its patch tokens in place: the
        # state's own tokens are left as they are
        pixel, patch = state.carry
        return super().forward_deep(
            backbone, replace(state, carry=[pixel, patch.clone()]))
