# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Tuple

import torch.nn as nn
from mmpretrain.models.backbones import SwinTransformer
from mmpretrain.models.utils import resize_pos_embed
from torch import Tensor

from .backbone_splitter import (BackboneSplitter, ShallowState,
                                register_splitter)


@register_splitter
class MMPretrainSwinSplitter(BackboneSplitter):
    """Splitter for MMPretrain's SwinTransformer.

    Stage 0 is the patch embedding (with the absolute position embedding
    and its dropout); stage ``i`` is ``stages[i - 1]``. The scored feature
    of a stage is the tokens it outputs (before patch merging unless
    ``out_after_downsample``); the deep part continues from the merged
    tokens.
    """

    backbone_class = SwinTransformer
    backbone_names = ('SwinTransformer', )
    min_stage = 0

    def num_stages(self, backbone: SwinTransformer) -> int:
        return len(backbone.stages)

    def channels(self, backbone: SwinTransformer) -> int:
        if self.block_stage == 0:
            return backbone.embed_dims
        return backbone.num_features[self.block_stage - 1]

    def _run_stages(self, backbone: SwinTransformer, x: Tensor,
                    hw_shape: tuple, stages: range, outs: list) -> tuple:
        feature = x
        for i in stages:
            stage = backbone.stages[i]
            x, hw_shape = stage(
                x, hw_shape, do_downsample=backbone.out_after_downsample)
            feature = x
            if i in backbone.out_indices:
                out = getattr(backbone, f'norm{i}')(x)
                outs.append(
                    out.view(-1, *hw_shape, backbone.num_features[i]).permute(
                        0, 3, 1, 2).contiguous())
            if (stage.downsample is not None
                    and not backbone.out_after_downsample):
                x, hw_shape = stage.downsample(x, hw_shape)
        return x, hw_shape, feature

    def forward_shallow(self, backbone: SwinTransformer,
                        inputs: Tensor) -> ShallowState:
        x, hw_shape = backbone.patch_embed(inputs)
        if backbone.use_abs_pos_embed:
            x = x + resize_pos_embed(
                backbone.absolute_pos_embed, backbone.patch_resolution,
                hw_shape, backbone.interpolate_mode,
                backbone.num_extra_tokens)
        x = backbone.drop_after_pos(x)
        outs = []
        x, hw_shape, feature = self._run_stages(backbone, x, hw_shape,
                                                range(self.block_stage),
                                                outs)
        return ShallowState(
            feature=feature, carry=x, outs=outs, meta=dict(hw_shape=hw_shape))

    def forward_deep(self, backbone: SwinTransformer,
                     state: ShallowState) -> Tuple[Tensor, ...]:
        outs = list(state.outs)
        self._run_stages(backbone, state.carry, state.meta['hw_shape'],
                         range(self.block_stage, len(backbone.stages)), outs)
        return tuple(outs)

    def shallow_modules(self,
                        backbone: SwinTransformer) -> Iterator[nn.Module]:
        yield from backbone.patch_embed.modules()
        yield from backbone.drop_after_pos.modules()
        for stage in backbone.stages[:self.block_stage]:
            yield from stage.modules()
        for i in range(self.block_stage):
            if i in backbone.out_indices:
                yield from getattr(backbone, f'norm{i}').modules()
