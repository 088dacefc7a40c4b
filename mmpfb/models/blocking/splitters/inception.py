# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterable, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class InceptionV3Splitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``InceptionV3``.

    Its layers are grouped by the resolution they end at: stage 1 is
    ``Conv2d_1a`` to ``Conv2d_2b`` (1/2), stage 2 ``maxpool1`` to
    ``Conv2d_4a`` (1/4), stage 3 ``maxpool2`` to ``Mixed_5d`` (1/8),
    stage 4 ``Mixed_6a`` to ``Mixed_6e`` (1/16) and stage 5 ``Mixed_7a`` to
    ``Mixed_7c`` (1/32); there is no stem. The deep part ends with the
    pooling, dropout and ``fc`` of the backbone. The auxiliary logits
    (``aux_logits`` in training mode) are an output made from the result
    of stage 4, ``None`` otherwise, as in the backbone's ``forward``.
    """

    backbones = ('mmpretrain.InceptionV3', )
    min_stage = 1
    stage_layers = (
        ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3'),
        ('maxpool1', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3'),
        ('maxpool2', 'Mixed_5b', 'Mixed_5c', 'Mixed_5d'),
        ('Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e'),
        ('Mixed_7a', 'Mixed_7b', 'Mixed_7c'),
    )
    stage_channels = (64, 192, 288, 768, 2048)
    aux_stage = 4

    def num_stages(self, backbone: nn.Module) -> int:
        return len(self.stage_layers)

    def channels(self, backbone: nn.Module) -> int:
        return self.stage_channels[self.block_stage - 1]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        return [
            getattr(backbone, name) for name in self.stage_layers[stage - 1]
        ]

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return (stage == self.aux_stage and backbone.aux_logits
                and backbone.training)

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        return backbone.AuxLogits(x)

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        if stage == self.aux_stage and backbone.AuxLogits is not None:
            return (backbone.AuxLogits, )
        return ()

    def _pack(self, backbone: nn.Module, x: Tensor,
              outs: list) -> Tuple[Optional[Tensor], Tensor]:
        x = backbone.dropout(backbone.avgpool(x))
        x = backbone.fc(torch.flatten(x, 1))
        return outs[0] if outs else None, x
