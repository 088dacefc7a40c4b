# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .convnext import ConvNeXtSplitter


@SPLITTERS.register_module()
class EdgeNeXtSplitter(ConvNeXtSplitter):
    """Splitter for MMPretrain's ``EdgeNeXt``, whose ``forward`` is
    ConvNeXt's but for the position encoding and the output: stage 0 is
    the patchify stem (``downsample_layers[0]``); stage ``i`` is the
    downsampling layer before it (from stage 2 on) and ``stages[i - 1]``,
    stage 1 adding ``pos_embed`` (with ``use_pos_embd_global``). Outputs
    go through ``norm{i}``, after global pooling with
    ``gap_before_final_norm``.
    """

    backbones = ('mmpretrain.EdgeNeXt', )

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        modules = super()._stage_modules(backbone, stage)
        if stage == 1 and backbone.pos_embed is not None:
            return tuple(modules) + (backbone.pos_embed, )
        return modules

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        if stage != 1 or backbone.pos_embed is None:
            return super()._forward_stage(backbone, stage, x)
        x = backbone.stages[0](x)
        n, _, h, w = x.shape
        x += backbone.pos_embed((n, h, w))
        return x

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        norm_layer = getattr(backbone, f'norm{stage - 1}')
        if backbone.gap_before_final_norm:
            gap = x.mean([-2, -1], keepdim=True)
            return norm_layer(gap.flatten(1))
        return norm_layer(x).contiguous()
