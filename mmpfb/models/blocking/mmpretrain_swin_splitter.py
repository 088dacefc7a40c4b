# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Tuple

from mmpretrain.models.backbones import SwinTransformer
from mmpretrain.models.utils import resize_pos_embed
from torch import Tensor

from .backbone_splitter import register_splitter
from .swin_splitter import SwinSplitter


@register_splitter
class MMPretrainSwinSplitter(SwinSplitter):
    """Splitter for MMPretrain's SwinTransformer; a stage's scored tokens
    are those it outputs (after patch merging with
    ``out_after_downsample``)."""

    backbone_class = SwinTransformer
    backbone_names = ('SwinTransformer', )
    outputs_type = tuple

    def channels(self, backbone: SwinTransformer) -> int:
        if self.block_stage == 0:
            return backbone.embed_dims
        return backbone.num_features[self.block_stage - 1]

    def _embed(self, backbone: SwinTransformer,
               inputs: Tensor) -> Tuple[Tensor, tuple]:
        x, hw_shape = backbone.patch_embed(inputs)
        if backbone.use_abs_pos_embed:
            x = x + resize_pos_embed(
                backbone.absolute_pos_embed, backbone.patch_resolution,
                hw_shape, backbone.interpolate_mode,
                backbone.num_extra_tokens)
        return backbone.drop_after_pos(x), hw_shape

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
