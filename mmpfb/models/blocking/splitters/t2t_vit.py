# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional, Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .vit import MMPretrainViTSplitter


@SPLITTERS.register_module()
class T2TViTSplitter(MMPretrainViTSplitter):
    """Splitter for MMPretrain's ``T2T_ViT``: stage 0 is the
    tokens-to-token module with the class token and the position
    embedding, stage ``i`` encoder layer ``i``; the final norm belongs to
    the last layer. Outputs are made by the backbone's own
    ``_format_output`` (``out_type``)."""

    backbones = ('mmpretrain.T2T_ViT', )

    def channels(self, backbone: nn.Module) -> int:
        return backbone.tokens_to_token.embed_dims

    def _layers(self, backbone: nn.Module) -> Sequence[nn.Module]:
        return backbone.encoder

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.tokens_to_token(inputs)
        x = self._prepend(x, backbone.cls_token)
        x = self._add_pos_embed(backbone, x, hw_shape,
                                backbone.num_extra_tokens)
        return backbone.drop_after_pos(x), hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.tokens_to_token
        yield backbone.drop_after_pos

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return backbone.norm if backbone.final_norm else None
