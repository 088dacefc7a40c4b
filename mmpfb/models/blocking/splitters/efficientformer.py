# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterable, Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class EfficientFormerSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``EfficientFormer``: stage 0 is the
    two-convolution stem ``patch_embed``, stage ``i`` is ``network[i -
    1]`` (its downsampling convolution, if any, and its blocks; the last
    one flattens the map to tokens before its attention blocks).

    Outputs go through ``norm{i}`` as in the backbone's
    ``forward_tokens``: the last stage's tokens are normed and
    transposed, or with ``reshape_last_feat`` turned back into a map
    first. The scored feature is a stage's result before its output
    norm: ``(N, L, C)`` tokens after a last stage that ends in
    attention blocks.
    """

    backbones = ('mmpretrain.EfficientFormer', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.network)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims[max(self.block_stage - 1, 0)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.patch_embed, )
        return (backbone.network[stage - 1], )

    def _run_stage(self, backbone: nn.Module, stage: int, x: Tensor,
                   outs: list) -> Tensor:
        # the map size the last stage's tokens are turned back into
        n, _, h, w = x.shape
        if stage == len(backbone.network) and backbone.downsamples[-1]:
            h, w = h // 2, w // 2
        x = self._forward_stage(backbone, stage, x)
        if not self._keeps_output(backbone, stage):
            return x
        norm_layer = getattr(backbone, f'norm{stage - 1}')
        if stage == len(backbone.network) and x.dim() == 3:
            if backbone.reshape_last_feat:
                out = norm_layer(x.permute((0, 2, 1)).reshape(n, -1, h, w))
            else:
                out = norm_layer(x).permute((0, 2, 1))
        else:
            out = norm_layer(x)
        outs.append(out.contiguous())
        return x

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        if self._keeps_output(backbone, stage):
            return (getattr(backbone, f'norm{stage - 1}'), )
        return ()
