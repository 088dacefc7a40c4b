# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterable, Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class STDCNetSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's ``STDCNet``: stage ``i`` is
    ``stages[i]`` (0 and 1 are the two strided convolutions, at 1/2 and
    1/4 of the input; the STDC stages follow). The results of the STDC
    stages are the outputs, the last through ``final_conv`` when the
    backbone has one.
    """

    backbones = ('mmseg.STDCNet', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages) - 1

    def channels(self, backbone: nn.Module) -> int:
        return backbone.channels[self.block_stage]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        return (backbone.stages[stage], )

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return stage >= backbone.num_shallow_features

    def _has_final_conv(self, backbone: nn.Module, stage: int) -> bool:
        return backbone.with_final_conv and stage == self.num_stages(backbone)

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        if self._has_final_conv(backbone, stage):
            return backbone.final_conv(x)
        return x

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        if self._has_final_conv(backbone, stage):
            return (backbone.final_conv, )
        return ()
