# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .vit import MMPretrainViTSplitter


@SPLITTERS.register_module()
class RevViTSplitter(MMPretrainViTSplitter):
    """Splitter for MMPretrain's ``RevVisionTransformer``.

    Stage 0 is the embedding, doubled into the two streams of the
    reversible layers; stage ``i`` is layer ``i``. Both streams cross the
    cut as one ``(N, L, 2C)`` sequence (the form the backbone passes
    between its layers), which is scored. In training mode each part runs
    its layers in the backbone's reversible function, which recomputes
    their activations in the backward pass, as ``forward`` runs all of
    them. The final norm belongs to the last layer; the output, made at
    the end of the deep part, is the fused streams formatted by the
    backbone's ``_format_output``.
    """

    backbones = ('mmpretrain.RevVisionTransformer', )

    def channels(self, backbone: nn.Module) -> int:
        return 2 * backbone.embed_dims

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        x = self._prepend(x, backbone.cls_token)
        x = self._add_pos_embed(backbone, x, hw_shape,
                                backbone.num_extra_tokens)
        x = backbone.drop_after_pos(x)
        return torch.cat([x, x], dim=-1), hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed
        yield backbone.drop_after_pos

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return backbone.ln1 if backbone.final_norm else None

    def _run_layers(self, backbone: nn.Module, x: Tensor, layers: range,
                    meta: dict, outs: list) -> Tensor:
        if not layers:
            return x
        chosen = backbone.layers[layers.start:layers.stop]
        if backbone.training and not backbone.no_custom_backward:
            from mmpretrain.models.backbones.revvit import RevBackProp
            x = RevBackProp.apply(x, chosen, [])
        else:
            x1, x2 = torch.chunk(x, 2, dim=-1)
            for layer in chosen:
                x1, x2 = layer(x1, x2)
            x = torch.cat([x1, x2], dim=-1)
        if layers.stop == self.num_stages(backbone):
            final_norm = self._final_norm(backbone)
            if final_norm is not None:
                x = final_norm(x)
            outs.append(x)
        return x

    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        return backbone._format_output(backbone.fusion_layer(tokens), hw_shape)
