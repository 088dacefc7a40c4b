# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterable, Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class RepMLPNetSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``RepMLPNet``: stage 0 is the patch
    embedding, stage ``i`` is ``stages[i - 1]`` and the downsampling
    layer after it (all but the last). A stage's result, its output and
    its scored feature are the downsampled map (the last one's output
    goes through ``final_norm``), as in the backbone's ``forward``.

    The backbone accepts only inputs of its ``img_size``; the shallow
    part checks that as ``forward`` does. The split reads the blocks the
    backbone holds at each call, so it holds after ``switch_to_deploy``.
    """

    backbones = ('mmpretrain.RepMLPNet', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.channels[min(self.block_stage,
                                     len(backbone.channels) - 1)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.patch_embed, )
        if stage == len(backbone.stages):
            return (backbone.stages[stage - 1], )
        return (backbone.stages[stage - 1],
                backbone.downsample_layers[stage - 1])

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        if stage > 0:
            return super()._forward_stage(backbone, stage, x)
        assert x.shape[2:] == backbone.img_size, \
            "The Rep-MLP doesn't support dynamic input shape. " \
            f'Please input images with shape {backbone.img_size}'
        return backbone.patch_embed(x)[0]

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return stage > 0 and stage - 1 in backbone.out_indice

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        if stage == len(backbone.stages):
            return backbone.final_norm(x)
        return x

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        if stage == len(backbone.stages) and self._keeps_output(
                backbone, stage):
            return (backbone.final_norm, )
        return ()
