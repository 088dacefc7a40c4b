# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List, Sequence, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .shallow_state import ShallowState
from .stagewise_splitter import StagewiseSplitter

Branches = Union[Tensor, List[Tensor]]

# The stage that makes each of the backbone's three outputs.
OUTPUT_STAGES = (0, 3, 4)


@SPLITTERS.register_module()
class FastSCNNSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's ``FastSCNN``.

    Stage 0 is the learning-to-downsample stem (1/8 of the input; output
    0, the higher-resolution features); stages 1 to 3 are the global
    feature extractor's bottleneck groups (the third with the pyramid
    pooling and ``out``; output 1); stage 4 is the feature fusion (output
    2). The stem's map is carried with the global branch to the fusion.
    Outputs are returned in the order of ``out_indices``.
    """

    backbones = ('mmseg.FastSCNN', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return 4

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.global_in_channels
        if self.block_stage < 3:
            return backbone.global_block_channels[self.block_stage - 1]
        if self.block_stage == 3:
            return backbone.global_out_channels
        return backbone.fusion_out_channels

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        extractor = backbone.global_feature_extractor
        if stage == 0:
            return (backbone.learning_to_downsample, )
        if stage < 3:
            return (getattr(extractor, f'bottleneck{stage}'), )
        if stage == 3:
            return (extractor.bottleneck3, extractor.ppm, extractor.out)
        return (backbone.feature_fusion, )

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Branches) -> Branches:
        extractor = backbone.global_feature_extractor
        if stage == 0:
            return [backbone.learning_to_downsample(x)]
        higher, lower = x[0], x[-1]
        if stage < 3:
            return [higher, getattr(extractor, f'bottleneck{stage}')(lower)]
        if stage == 3:
            lower = extractor.bottleneck3(lower)
            lower = torch.cat([lower, *extractor.ppm(lower)], dim=1)
            return [higher, extractor.out(lower)]
        return backbone.feature_fusion(higher, lower)

    @staticmethod
    def _out_indices(backbone: nn.Module) -> List[int]:
        return [i % len(OUTPUT_STAGES) for i in backbone.out_indices]

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return (stage in OUTPUT_STAGES
                and OUTPUT_STAGES.index(stage) in self._out_indices(backbone))

    def _output(self, backbone: nn.Module, stage: int, x: Branches) -> Tensor:
        return x if isinstance(x, Tensor) else x[-1]

    def _scored_feature(self, x: Branches) -> Tensor:
        return x if isinstance(x, Tensor) else x[-1]

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        # the outputs come in stage order, one per index in out_indices
        indices = self._out_indices(backbone)
        outs = dict(
            zip(sorted(set(indices)),
                super().forward_deep(backbone, state)))
        return tuple(outs[i] for i in indices)
