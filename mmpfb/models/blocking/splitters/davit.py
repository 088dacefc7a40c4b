# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .swin import MMPretrainSwinSplitter


@SPLITTERS.register_module()
class DaViTSplitter(MMPretrainSwinSplitter):
    """Splitter for MMPretrain's ``DaViT``, whose ``forward`` is that of
    MMPretrain's Swin Transformer (:class:`MMPretrainSwinSplitter`) with
    a patch embedding alone as stage 0 (no position embedding and no
    dropout after it).

    A stage's scored tokens are those it outputs: before the patch
    merging, or after it with ``out_after_downsample``.
    """

    backbones = ('mmpretrain.DaViT', )

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.embed_dims
        stage = backbone.stages[self.block_stage - 1]
        if backbone.out_after_downsample:
            return stage.out_channels
        return stage.embed_dims

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple]:
        return backbone.patch_embed(inputs)

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed
