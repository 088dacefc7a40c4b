# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .vit import _ViTSplitter


@SPLITTERS.register_module()
class MlpMixerSplitter(_ViTSplitter):
    """Splitter for MMPretrain's ``MlpMixer``: stage 0 is the patch
    embedding, stage ``i`` mixer block ``i``; the final norm belongs to
    the last block, and an output is a block's tokens as ``(N, C, L)``."""

    backbones = ('mmpretrain.MlpMixer', )

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        return x, hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return backbone.norm1

    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        return tokens.transpose(1, 2)
