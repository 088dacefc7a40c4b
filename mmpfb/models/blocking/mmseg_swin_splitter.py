# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Tuple

from mmseg.models.backbones import SwinTransformer
from torch import Tensor

from .backbone_splitter import register_splitter
from .swin_splitter import SwinSplitter


@register_splitter
class MMSegSwinSplitter(SwinSplitter):
    """Splitter for MMSegmentation's SwinTransformer; a stage's scored
    tokens are those before patch merging."""

    backbone_class = SwinTransformer
    backbone_names = ('SwinTransformer', )
    outputs_type = list

    def channels(self, backbone: SwinTransformer) -> int:
        return backbone.num_features[max(self.block_stage - 1, 0)]

    def _embed(self, backbone: SwinTransformer,
               inputs: Tensor) -> Tuple[Tensor, tuple]:
        x, hw_shape = backbone.patch_embed(inputs)
        if backbone.use_abs_pos_embed:
            x = x + backbone.absolute_pos_embed
        return backbone.drop_after_pos(x), hw_shape

    def _run_stages(self, backbone: SwinTransformer, x: Tensor,
                    hw_shape: tuple, stages: range, outs: list) -> tuple:
        out = x
        for i in stages:
            x, hw_shape, out, out_hw_shape = backbone.stages[i](x, hw_shape)
            if i in backbone.out_indices:
                norm_out = getattr(backbone, f'norm{i}')(out)
                outs.append(
                    norm_out.view(-1, *out_hw_shape,
                                  backbone.num_features[i]).permute(
                                      0, 3, 1, 2).contiguous())
        return x, hw_shape, out
