# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class ConformerSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``Conformer``.

    The convolutional and transformer branches meet only inside a stage,
    so a cut between stages hands both on. Stage 0 is the stem; stage 1
    the first convolution block and the first transformer layer on the
    embedded stem output (after the class token); stage ``i`` the coupled
    block ``conv_trans_i``. A stage's result is the pair (feature map,
    tokens) and the map is scored. The backbone outputs, for a stage ``i``
    in ``out_indices`` (stages 2 on), the pooled map and the normed class
    token (mean token without one); both are collected, batch first, and
    paired at the end.
    """

    backbones = ('mmpretrain.Conformer', )

    def num_stages(self, backbone: nn.Module) -> int:
        return backbone.fin_stage - 1

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.conv1.out_channels
        if self.block_stage == 1:
            return backbone.conv_1.bn3.num_features
        block = getattr(backbone, f'conv_trans_{self.block_stage}')
        return block.fusion_block.bn3.num_features

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.conv1, backbone.bn1, backbone.act1,
                    backbone.maxpool, backbone.auto_pad)
        if stage == 1:
            return (backbone.conv_1, backbone.trans_patch_conv,
                    backbone.trans_1)
        return (getattr(backbone, f'conv_trans_{stage}'), )

    def _forward_stage(self, backbone: nn.Module, stage: int, x):
        if stage == 0:
            return super()._forward_stage(backbone, stage, x)
        if stage == 1:
            x_c = backbone.conv_1(x, out_conv2=False)
            x_t = backbone.trans_patch_conv(x).flatten(2).transpose(1, 2)
            if backbone.with_cls_token:
                cls_tokens = backbone.cls_token.expand(x.size(0), -1, -1)
                x_t = torch.cat([cls_tokens, x_t], dim=1)
            return [x_c, backbone.trans_1(x_t)]
        return list(getattr(backbone, f'conv_trans_{stage}')(*x))

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return stage >= 2 and stage in backbone.out_indices

    def _output(self, backbone: nn.Module, stage: int, x) -> List[Tensor]:
        x, x_t = x
        x_t = backbone.trans_norm(x_t)
        return [
            backbone.pooling(x).flatten(1),
            x_t[:, 0] if backbone.with_cls_token else x_t.mean(dim=1)
        ]

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Sequence[nn.Module]:
        if self._keeps_output(backbone, stage):
            return (backbone.pooling, backbone.trans_norm)
        return ()

    def _run_stage(self, backbone: nn.Module, stage: int, x,
                   outs: list) -> List[Tensor]:
        # the two tensors of an output travel separately (batch first)
        x = self._forward_stage(backbone, stage, x)
        if self._keeps_output(backbone, stage):
            outs.extend(self._output(backbone, stage, x))
        return x

    def _scored_feature(self, x) -> Tensor:
        return x if isinstance(x, Tensor) else x[0]

    def _pack(self, backbone: nn.Module, x, outs: list) -> tuple:
        return tuple([outs[i], outs[i + 1]] for i in range(0, len(outs), 2))
