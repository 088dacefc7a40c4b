# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


@SPLITTERS.register_module()
class ConvNeXtSplitter(BaseSplitter):
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
                       stage: int) -> Tuple[nn.Module, ...]:
        if stage == 0:
            return (backbone.downsample_layers[0], )
        if stage == 1:
            return (backbone.stages[0], )
        return (backbone.downsample_layers[stage - 1],
                backbone.stages[stage - 1])

    def _run_stages(self, backbone: nn.Module, x: Tensor, stages: range,
                    outs: list) -> Tensor:
        for stage in stages:
            for module in self._stage_modules(backbone, stage):
                x = module(x)
            i = stage - 1
            if stage > 0 and i in backbone.out_indices:
                norm_layer = getattr(backbone, f'norm{i}')
                if backbone.gap_before_final_norm:
                    gap = x.mean([-2, -1], keepdim=True)
                    outs.append(norm_layer(gap).flatten(1))
                else:
                    outs.append(norm_layer(x))
        return x

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        outs = []
        x = self._run_stages(backbone, inputs, range(self.block_stage + 1),
                             outs)
        return ShallowState(feature=x, carry=x, outs=outs)

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Tuple[Tensor, ...]:
        outs = list(state.outs)
        self._run_stages(backbone, state.carry,
                         range(self.block_stage + 1,
                               len(backbone.stages) + 1), outs)
        return tuple(outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for stage in range(self.block_stage + 1):
            for module in self._stage_modules(backbone, stage):
                yield from module.modules()
            if stage > 0 and stage - 1 in backbone.out_indices:
                yield from getattr(backbone, f'norm{stage - 1}').modules()
