# Copyright (c) mmpfb contributors. All rights reserved.
from abc import abstractmethod
from typing import List, Sequence, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter

Branches = Union[Tensor, List[Tensor]]


class _HRNetSplitter(StagewiseSplitter):
    """What the HRNets of both hosts share.

    Stage 0 is the two-convolution stem, stage 1 is ``layer1`` and stage
    ``i`` (2 to 4) is ``transition{i - 1}`` and ``stage{i}``. A
    multi-branch stage is cut on every branch: the deep part continues
    from all of them. The scored feature is the global mean of every
    branch, concatenated along the channels. The backbone's outputs are
    the branches of stage 4, returned as :attr:`outputs_type`.
    """

    min_stage = 0
    stem_channels = 64

    def num_stages(self, backbone: nn.Module) -> int:
        return 4

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return self.stem_channels
        if self.block_stage == 1:
            return self._layer1_channels(backbone)
        last_module = getattr(backbone, f'stage{self.block_stage}')[-1]
        if not last_module.multiscale_output:
            return last_module.in_channels[0]
        return sum(last_module.in_channels)

    @abstractmethod
    def _layer1_channels(self, backbone: nn.Module) -> int:
        """Output channels of ``layer1``."""

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.conv1, backbone.norm1, backbone.relu,
                    backbone.conv2, backbone.norm2, backbone.relu)
        if stage == 1:
            return (backbone.layer1, )
        return (getattr(backbone, f'transition{stage - 1}'),
                getattr(backbone, f'stage{stage}'))

    @abstractmethod
    def _transition(self, backbone: nn.Module, stage: int,
                    x: Branches) -> List[Tensor]:
        """The inputs of ``stage{stage}`` from the previous stage's
        output, as the backbone's ``forward`` makes them."""

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Branches) -> Branches:
        if stage < 2:
            return super()._forward_stage(backbone, stage, x)
        return getattr(backbone, f'stage{stage}')(
            self._transition(backbone, stage, x))

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return False

    def _scored_feature(self, x: Branches) -> Tensor:
        if isinstance(x, Tensor):
            return x
        return torch.cat([branch.mean((2, 3), keepdim=True) for branch in x],
                         dim=1)

    def _pack(self, backbone: nn.Module, x: Branches,
              outs: list) -> Sequence[Tensor]:
        return self.outputs_type(x)


@SPLITTERS.register_module()
class MMSegHRNetSplitter(_HRNetSplitter):
    """Splitter for MMSegmentation's ``HRNet`` (a list of stage 4's
    branches)."""

    backbones = ('mmseg.HRNet', )
    outputs_type = list

    def _layer1_channels(self, backbone: nn.Module) -> int:
        cfg = backbone.stage1_cfg
        block = backbone.blocks_dict[cfg['block']]
        return cfg['num_channels'][0] * block.expansion

    def _transition(self, backbone: nn.Module, stage: int,
                    x: Branches) -> List[Tensor]:
        transition = getattr(backbone, f'transition{stage - 1}')
        num_branches = getattr(backbone, f'stage{stage}_cfg')['num_branches']
        inputs = []
        for j in range(num_branches):
            source = x if stage == 2 else x[-1]
            if transition[j] is not None:
                inputs.append(transition[j](source))
            else:
                inputs.append(x if stage == 2 else x[j])
        return inputs


@SPLITTERS.register_module()
class MMPretrainHRNetSplitter(_HRNetSplitter):
    """Splitter for MMPretrain's ``HRNet`` (a tuple of stage 4's
    branches)."""

    backbones = ('mmpretrain.HRNet', )
    outputs_type = tuple

    def _layer1_channels(self, backbone: nn.Module) -> int:
        return backbone.layer1[-1].out_channels

    def _transition(self, backbone: nn.Module, stage: int,
                    x: Branches) -> List[Tensor]:
        x_list = [x] if stage == 2 else x
        transition = getattr(backbone, f'transition{stage - 1}')
        return [
            layer(x_list[j] if j < len(x_list) else x_list[-1])
            for j, layer in enumerate(transition)
        ]
