# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .resnet import ResNetSplitter
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class ICNetSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's ``ICNet``, whose ``forward`` runs the
    parts of its ResNet (``deep_stem``) one after the other.

    Stage 0 makes the full-resolution branch's output (``conv_sub1``, a
    light branch from the input) and runs the ResNet stem and max pool
    on the input halved; stage ``i`` (1 to 4) is ``layer{i}`` (stage 3
    on its input halved again); stage 2 also makes the second output
    (``conv_sub2``) and stage 4 ends with the pyramid pooling and makes
    the third (``conv_sub4``). The scored feature is a stage's result.
    Outputs are returned in a list.
    """

    backbones = ('mmseg.ICNet', )
    min_stage = 0
    outputs_type = list

    def num_stages(self, backbone: nn.Module) -> int:
        return 4

    def channels(self, backbone: nn.Module) -> int:
        resnet = backbone.backbone
        if self.block_stage == 0:
            return resnet.stem_channels
        if self.block_stage == 4:
            return backbone.psp_bottleneck.conv.out_channels
        return (ResNetSplitter.expansion(resnet) * resnet.base_channels *
                2**(self.block_stage - 1))

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        resnet = backbone.backbone
        if stage == 0:
            return (resnet.stem, resnet.maxpool)
        if stage < 4:
            return (getattr(resnet, f'layer{stage}'), )
        return (resnet.layer4, backbone.psp_modules, backbone.psp_bottleneck)

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        outputs = {
            0: backbone.conv_sub1,
            2: backbone.conv_sub2,
            4: backbone.conv_sub4
        }
        return (outputs[stage], ) if stage in outputs else ()

    def _half(self, backbone: nn.Module, x: Tensor) -> Tensor:
        return F.interpolate(
            x,
            scale_factor=0.5,
            mode='bilinear',
            align_corners=backbone.align_corners)

    def _run_stage(self, backbone: nn.Module, stage: int, x: Tensor,
                   outs: list) -> Tensor:
        resnet = backbone.backbone
        if stage == 0:
            outs.append(backbone.conv_sub1(x))
            return resnet.maxpool(resnet.stem(self._half(backbone, x)))
        if stage == 3:
            x = self._half(backbone, x)
        x = getattr(resnet, f'layer{stage}')(x)
        if stage == 2:
            outs.append(backbone.conv_sub2(x))
        elif stage == 4:
            x = torch.cat(backbone.psp_modules(x) + [x], dim=1)
            x = backbone.psp_bottleneck(x)
            outs.append(backbone.conv_sub4(x))
        return x
