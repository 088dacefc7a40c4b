# Copyright (c) mmpfb contributors. All rights reserved.
"""The dual-resolution networks of MMSegmentation, ``DDRNet`` and
``PIDNet``: a stem, then branches at two or three resolutions that
exchange features stage by stage."""
from abc import abstractmethod
from typing import Iterator, List, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState

Branches = Union[Tensor, List[Tensor]]
Size = Tuple[int, int]

# The entries of ``backbone.stem`` that stages 0 to 2 run.
STEM_STAGES = (slice(0, 2), slice(2, 4), slice(4, 6))


class _DualResolutionSplitter(BaseSplitter):
    """What ``DDRNet`` and ``PIDNet`` share.

    Stages 0 to 2 are the stem: its two strided convolutions (1/4 of the
    input), its first residual layer (1/4) and its second (1/8). Stages 3
    to 5 are the branch stages of ``forward``; a cut there carries every
    branch, and the scored feature is the global mean of each branch,
    concatenated along the channels. The size the branches are resized
    to (1/8 of the input, rounded down) is the same for every sample.
    Outputs that ``forward`` collects in training mode at stages 3 and 4
    are collected in the shallow part when it runs them.
    """

    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return 5

    @staticmethod
    def _base_channels(backbone: nn.Module) -> int:
        return backbone.stem[0].conv.out_channels

    @abstractmethod
    def _branch_modules(self, backbone: nn.Module,
                        stage: int) -> Sequence[nn.Module]:
        """The modules branch stage ``stage`` (3 to 5) runs."""

    @abstractmethod
    def _branch_stage(self, backbone: nn.Module, stage: int, x: Branches,
                      size: Size, outs: list) -> Branches:
        """Run branch stage ``stage`` on the previous result ``x``,
        appending what ``forward`` collects there to ``outs``."""

    @abstractmethod
    def _pack(self, backbone: nn.Module, x: Branches,
              outs: list) -> Union[Tensor, Tuple[Tensor, ...]]:
        """What ``forward`` returns from the last stage's result."""

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage < 3:
            return tuple(backbone.stem[STEM_STAGES[stage]])
        return self._branch_modules(backbone, stage)

    def _run_stages(self, backbone: nn.Module, x: Branches, stages: range,
                    size: Size, outs: list) -> Branches:
        for stage in stages:
            if stage < 3:
                for module in self._stage_modules(backbone, stage):
                    x = module(x)
            else:
                x = self._branch_stage(backbone, stage, x, size, outs)
        return x

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        size = (inputs.shape[-2] // 8, inputs.shape[-1] // 8)
        outs = []
        x = self._run_stages(backbone, inputs, range(self.block_stage + 1),
                             size, outs)
        feature = x if isinstance(x, Tensor) else torch.cat(
            [branch.mean((2, 3), keepdim=True) for branch in x], dim=1)
        return ShallowState(
            feature=feature, carry=x, outs=outs, meta=dict(size=size))

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Union[Tensor, Tuple[Tensor, ...]]:
        outs = list(state.outs)
        x = self._run_stages(backbone, state.carry,
                             range(self.block_stage + 1, 6),
                             state.meta['size'], outs)
        return self._pack(backbone, x, outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for stage in range(self.block_stage + 1):
            for module in self._stage_modules(backbone, stage):
                yield from module.modules()


def _resize(backbone: nn.Module, x: Tensor, size: Size) -> Tensor:
    return F.interpolate(
        x, size=size, mode='bilinear', align_corners=backbone.align_corners)


@SPLITTERS.register_module()
class DDRNetSplitter(_DualResolutionSplitter):
    """Splitter for MMSegmentation's ``DDRNet``: stages 3 to 5 run the
    context (1/16 to 1/64) and spatial (1/8) branches; stage 5 ends with
    the context branch's pyramid pooling, resized to the spatial branch.
    ``forward`` returns their sum, after the spatial map of stage 3 in
    training mode.
    """

    backbones = ('mmseg.DDRNet', )

    def channels(self, backbone: nn.Module) -> int:
        c = self._base_channels(backbone)
        return (c, c, 2 * c, 6 * c, 10 * c, 8 * c)[self.block_stage]

    def _branch_modules(self, backbone: nn.Module,
                        stage: int) -> Sequence[nn.Module]:
        i = stage - 3
        modules = (backbone.context_branch_layers[i],
                   backbone.spatial_branch_layers[i], backbone.relu)
        if stage == 3:
            return modules + (backbone.compression_1, backbone.down_1)
        if stage == 4:
            return modules + (backbone.compression_2, backbone.down_2)
        return modules + (backbone.spp, )

    def _branch_stage(self, backbone: nn.Module, stage: int, x: Branches,
                      size: Size, outs: list) -> Branches:
        relu = backbone.relu
        if stage == 3:
            x_c = backbone.context_branch_layers[0](x)
            x_s = backbone.spatial_branch_layers[0](x)
            comp_c = backbone.compression_1(relu(x_c))
            x_c += backbone.down_1(relu(x_s))
            x_s += _resize(backbone, comp_c, size)
            if backbone.training:
                outs.append(x_s.clone())
            return [x_c, x_s]
        x_c, x_s = x
        if stage == 4:
            x_c = backbone.context_branch_layers[1](relu(x_c))
            x_s = backbone.spatial_branch_layers[1](relu(x_s))
            comp_c = backbone.compression_2(relu(x_c))
            x_c += backbone.down_2(relu(x_s))
            x_s += _resize(backbone, comp_c, size)
            return [x_c, x_s]
        x_s = backbone.spatial_branch_layers[2](relu(x_s))
        x_c = backbone.context_branch_layers[2](relu(x_c))
        x_c = _resize(backbone, backbone.spp(x_c), size)
        return [x_c, x_s]

    def _pack(self, backbone: nn.Module, x: Branches,
              outs: list) -> Union[Tensor, Tuple[Tensor, ...]]:
        x_c, x_s = x
        if backbone.training:
            return (outs[0], x_s + x_c)
        return x_s + x_c


@SPLITTERS.register_module()
class PIDNetSplitter(_DualResolutionSplitter):
    """Splitter for MMSegmentation's ``PIDNet``: stages 3 to 5 run the
    integral (1/16 to 1/64), proportional and derivative (1/8) branches;
    stage 5 ends with the pyramid pooling and the fusion of the three.
    ``forward`` returns the fused map, between the proportional map of
    stage 3 and the derivative map of stage 4 in training mode.
    """

    backbones = ('mmseg.PIDNet', )

    def channels(self, backbone: nn.Module) -> int:
        c = self._base_channels(backbone)
        if self.block_stage < 3:
            return (c, c, 2 * c)[self.block_stage]
        if self.block_stage == 3:
            return 6 * c + backbone.diff_1.conv.out_channels
        if self.block_stage == 4:
            return 10 * c + backbone.diff_2.conv.out_channels
        return 4 * c

    def _branch_modules(self, backbone: nn.Module,
                        stage: int) -> Sequence[nn.Module]:
        i = stage - 3
        modules = (backbone.i_branch_layers[i], backbone.p_branch_layers[i],
                   backbone.d_branch_layers[i], backbone.relu)
        if stage == 5:
            return modules + (backbone.spp, backbone.dfm)
        return modules + tuple(
            getattr(backbone, f'{name}_{i + 1}')
            for name in ('compression', 'pag', 'diff'))

    def _branch_stage(self, backbone: nn.Module, stage: int, x: Branches,
                      size: Size, outs: list) -> Branches:
        relu = backbone.relu
        if stage == 3:
            x_i = relu(backbone.i_branch_layers[0](x))
            x_p = backbone.p_branch_layers[0](x)
            x_d = backbone.d_branch_layers[0](x)
            comp_i = backbone.compression_1(x_i)
            x_p = backbone.pag_1(x_p, comp_i)
            x_d += _resize(backbone, backbone.diff_1(x_i), size)
            if backbone.training:
                outs.append(x_p.clone())
            return [x_i, x_p, x_d]
        x_i, x_p, x_d = x
        if stage == 4:
            x_i = relu(backbone.i_branch_layers[1](x_i))
            x_p = backbone.p_branch_layers[1](relu(x_p))
            x_d = backbone.d_branch_layers[1](relu(x_d))
            comp_i = backbone.compression_2(x_i)
            x_p = backbone.pag_2(x_p, comp_i)
            x_d += _resize(backbone, backbone.diff_2(x_i), size)
            if backbone.training:
                outs.append(x_d.clone())
            return [x_i, x_p, x_d]
        x_i = backbone.i_branch_layers[2](x_i)
        x_p = backbone.p_branch_layers[2](relu(x_p))
        x_d = backbone.d_branch_layers[2](relu(x_d))
        x_i = _resize(backbone, backbone.spp(x_i), size)
        return backbone.dfm(x_p, x_i, x_d)

    def _pack(self, backbone: nn.Module, x: Branches,
              outs: list) -> Union[Tensor, Tuple[Tensor, ...]]:
        if backbone.training:
            return (outs[0], x, outs[1])
        return x
