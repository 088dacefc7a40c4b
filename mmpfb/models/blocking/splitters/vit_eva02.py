# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .vit import MMPretrainViTSplitter


@SPLITTERS.register_module()
class ViTEVA02Splitter(MMPretrainViTSplitter):
    """Splitter for MMPretrain's ``ViTEVA02``: the Vision Transformer's
    embedding and outputs, with layers that take the patch resolution
    (for their rotary position embedding)."""

    backbones = ('mmpretrain.ViTEVA02', )

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape, meta = super()._embed(backbone, inputs)
        return x, hw_shape, dict(meta, hw_shape=hw_shape)

    def _run_layer(self, backbone: nn.Module, index: int, x: Tensor,
                   meta: dict) -> Tensor:
        return backbone.layers[index](x, meta['hw_shape'])
