# Copyright (c) mmpfb contributors. All rights reserved.
"""A pure-torch backbone and its splitter, to test the PFB core without a
host library. The splitter is not registered: tests pass it directly."""
from typing import Iterator, Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.models.blocking.splitters import BaseSplitter, ShallowState


def _conv_bn_relu(in_channels: int, out_channels: int,
                  stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class ToyBackbone(nn.Module):
    """A conv-BN-ReLU stem and stages, each stage halving the resolution.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        channels (Sequence[int]): Stem channels, then each stage's.
            Defaults to (4, 8, 16, 32).
        out_indices (Sequence[int]): Stages (0-based) whose outputs
            ``forward`` returns. Defaults to (1, 2).
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: Sequence[int] = (4, 8, 16, 32),
        out_indices: Sequence[int] = (1, 2)
    ) -> None:
        super().__init__()
        self.channels = tuple(channels)
        self.out_indices = tuple(out_indices)
        self.stem = _conv_bn_relu(in_channels, channels[0], 1)
        self.stages = nn.ModuleList(
            _conv_bn_relu(a, b, 2) for a, b in zip(channels, channels[1:]))

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


class ToySplitter(BaseSplitter):
    """Splitter of :class:`ToyBackbone`: stage 0 is the stem."""

    def num_stages(self, backbone: ToyBackbone) -> int:
        return len(backbone.stages)

    def channels(self, backbone: ToyBackbone) -> int:
        return backbone.channels[self.block_stage]

    def _run(self, backbone: ToyBackbone, x: Tensor, stages: range,
             outs: list) -> Tensor:
        for i in stages:
            x = backbone.stages[i](x)
            if i in backbone.out_indices:
                outs.append(x)
        return x

    def forward_shallow(self, backbone: ToyBackbone,
                        inputs: Tensor) -> ShallowState:
        outs = []
        x = self._run(backbone, backbone.stem(inputs), range(self.block_stage),
                      outs)
        return ShallowState(feature=x, carry=x, outs=outs)

    def forward_deep(self, backbone: ToyBackbone,
                     state: ShallowState) -> Tuple[Tensor, ...]:
        outs = list(state.outs)
        self._run(backbone, state.carry,
                  range(self.block_stage, len(backbone.stages)), outs)
        return tuple(outs)

    def shallow_modules(self, backbone: ToyBackbone) -> Iterator[nn.Module]:
        yield from backbone.stem.modules()
        for stage in backbone.stages[:self.block_stage]:
            yield from stage.modules()
