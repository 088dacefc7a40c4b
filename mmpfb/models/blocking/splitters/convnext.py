# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterable, Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class ConvNeXtSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``ConvNeXt`` (v1 and v2; MMSegmentation
    configs use it as ``mmpretrain.ConvNeXt``).

    Stage 0 is the patchify stem (``downsample_layers[0]``); stage ``i``
    is the downsampling layer before it (from stage 2 on) and
    ``stages[i - 1]``. The scored feature is a stage's output before its
    output norm; outputs (``norm{i}``, with ``gap_before_final_norm``)
    are made as in the backbone's ``forward``.
    """

    backbones = ('mmpretrain.ConvNeXt', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.channels[max(self.block_stage - 1, 0)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.downsample_layers[0], )
        if stage == 1:
            return (backbone.stages[0], )
        return (backbone.downsample_layers[stage - 1],
                backbone.stages[stage - 1])

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        norm_layer = getattr(backbone, f'norm{stage - 1}')
        if backbone.gap_before_final_norm:
            gap = x.mean([-2, -1], keepdim=True)
            return norm_layer(gap).flatten(1)
        return norm_layer(x)

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        if self._keeps_output(backbone, stage):
            return (getattr(backbone, f'norm{stage - 1}'), )
        return ()
