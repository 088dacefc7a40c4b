# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn
import torch.utils.checkpoint as checkpoint
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class RepLKNetSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``RepLKNet``.

    Stage 0 is the four-convolution stem (with ``with_cp``, checkpointed
    after its first convolution in the reentrant variant, the default of
    the backbone's calls); stage ``i`` is the transition before it (from
    stage 2 on) and ``stages[i - 1]``. The
    scored feature is a stage's result before its output norm; outputs
    are ``stages[i - 1].norm`` of it (a module of the stage), as in the
    backbone's ``forward``.
    """

    backbones = ('mmpretrain.RepLKNet', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return backbone.num_stages

    def channels(self, backbone: nn.Module) -> int:
        return backbone.arch['channels'][max(self.block_stage - 1, 0)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return list(backbone.stem)
        if stage == 1:
            return (backbone.stages[0], )
        return (backbone.transitions[stage - 2], backbone.stages[stage - 1])

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        if stage > 0 or not backbone.with_cp:
            return super()._forward_stage(backbone, stage, x)
        x = backbone.stem[0](x)
        for stem_layer in backbone.stem[1:]:
            x = checkpoint.checkpoint(stem_layer, x, use_reentrant=True)
        return x

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        return backbone.stages[stage - 1].norm(x)
