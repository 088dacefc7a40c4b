# Copyright (c) mmpfb contributors. All rights reserved.
"""Splitting a backbone whose stages run one after the other on tokens
and a grid shape that every stage needs."""
from typing import Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from .shallow_state import ShallowState
from .stagewise_splitter import StagewiseSplitter

# What a stage passes on: the tokens (batch first) and what is the same
# for every sample, e.g. their grid shape.
Tokens = Tuple[Tensor, tuple]


class _GridStagewiseSplitter(StagewiseSplitter):
    """A :class:`StagewiseSplitter` whose stages pass on ``(tokens,
    grid)`` pairs: stage :attr:`min_stage` runs on the input images and
    each stage returns the pair that the next one runs on, the grid being
    the same for every sample (a token map's shape, the input's size).

    The shallow part hands the tokens on as ``carry`` and the grid in
    ``meta``; the scored feature is the tokens by default.
    """

    def _scored_feature(self, x: Tokens) -> Tensor:
        return x[0]

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        outs = []
        x = self._run_stages(backbone, inputs, self._shallow_stages(), outs)
        return ShallowState(
            feature=self._scored_feature(x),
            carry=x[0],
            outs=outs,
            meta=dict(grid=x[1]))

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        outs = list(state.outs)
        x = self._run_stages(
            backbone, (state.carry, state.meta['grid']),
            range(self.block_stage + 1,
                  self.num_stages(backbone) + 1), outs)
        return self._pack(backbone, x, outs)
