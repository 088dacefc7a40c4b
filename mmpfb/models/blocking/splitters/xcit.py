# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .vit import _ViTSplitter


@SPLITTERS.register_module()
class XCiTSplitter(_ViTSplitter):
    """Splitter for MMPretrain's ``XCiT``.

    Stage 0 is the convolutional patch embedding with the Fourier
    position encoding; the cross-covariance attention layers come next,
    then the class attention layers, the first of which is preceded by the
    class token. ``block_stage`` counts both kinds of layer, as the
    backbone's ``out_indices`` do; the final norm belongs to the last
    class attention layer. Outputs are made by the backbone's own
    ``_format_output``.
    """

    backbones = ('mmpretrain.XCiT', )

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims

    def _layers(self, backbone: nn.Module) -> Sequence[nn.Module]:
        return [*backbone.xca_layers, *backbone.ca_layers]

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        if backbone.use_pos_embed:
            pos_encoding = backbone.pos_embed(inputs.size(0), *hw_shape)
            x = x + pos_encoding.reshape(inputs.size(0), -1,
                                         x.size(1)).permute(0, 2, 1)
        x = backbone.pos_drop(x)
        return x, hw_shape, dict(hw_shape=hw_shape)

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed
        if backbone.use_pos_embed:
            yield backbone.pos_embed
        yield backbone.pos_drop

    def _run_layer(self, backbone: nn.Module, index: int, x: Tensor,
                   meta: dict) -> Tensor:
        depth = len(backbone.xca_layers)
        if index < depth:
            return backbone.xca_layers[index](x, *meta['hw_shape'])
        if index == depth:
            cls_tokens = backbone.cls_token.expand(x.size(0), -1, -1)
            x = torch.cat((cls_tokens, x), dim=1)
        return backbone.ca_layers[index - depth](x)

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return backbone.norm if len(backbone.ca_layers) else None

    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        # only the class attention layers add the class token
        with_cls_token = tokens.size(1) > hw_shape[0] * hw_shape[1]
        return backbone._format_output(tokens, hw_shape, with_cls_token)
