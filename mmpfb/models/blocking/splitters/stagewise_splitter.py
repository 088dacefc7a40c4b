# Copyright (c) mmpfb contributors. All rights reserved.
"""Splitting a backbone whose ``forward`` runs its stages one after the
other."""
from abc import abstractmethod
from typing import Iterable, Iterator, Sequence

import torch.nn as nn
from torch import Tensor

from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


def last_conv_channels(modules: Iterable[nn.Module]) -> int:
    """Output channels of the last ``nn.Conv2d`` in ``modules`` and their
    submodules, in order: the channels of a convolutional stage's
    result."""
    convs = [
        m for module in modules for m in module.modules()
        if isinstance(m, nn.Conv2d)
    ]
    return convs[-1].out_channels


class StagewiseSplitter(BaseSplitter):
    """Splitter for a backbone whose ``forward`` runs stages
    :attr:`min_stage` .. :meth:`num_stages` one after the other, each on
    the previous one's result, and collects some results as outputs.

    The shallow part runs stages :attr:`min_stage` .. ``block_stage`` and
    the deep part the rest, continuing from the last shallow result. A
    subclass says what a stage runs (:meth:`_stage_modules`, and how in
    :meth:`_forward_stage` when it is not those modules in turn), which
    stage results the backbone outputs (:meth:`_keeps_output`) and how
    (:meth:`_output`, :meth:`_output_modules`); by default the result of
    stage ``s > 0`` is output as it is when ``s - 1`` is in the
    backbone's ``out_indices``, and ``forward`` returns the outputs as
    :attr:`outputs_type`.

    Attributes:
        outputs_type (type): The container of the outputs that the
            backbone's ``forward`` returns. Defaults to tuple.
    """

    outputs_type: type = tuple

    @abstractmethod
    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        """The modules stage ``stage`` runs to make its result, in
        order."""

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        """The result of stage ``stage`` from the previous one's ``x``:
        its :meth:`_stage_modules` in turn by default."""
        for module in self._stage_modules(backbone, stage):
            x = module(x)
        return x

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        """Whether the backbone outputs the result of stage ``stage``."""
        return stage > 0 and stage - 1 in backbone.out_indices

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        """The backbone's output from the result ``x`` of stage
        ``stage``: ``x`` itself by default."""
        return x

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterable[nn.Module]:
        """The modules that make the outputs kept at stage ``stage``
        (none by default)."""
        return ()

    def _run_stage(self, backbone: nn.Module, stage: int, x: Tensor,
                   outs: list) -> Tensor:
        """Run stage ``stage`` on ``x``, appending the outputs the
        backbone collects there to ``outs``; return its result."""
        x = self._forward_stage(backbone, stage, x)
        if self._keeps_output(backbone, stage):
            outs.append(self._output(backbone, stage, x))
        return x

    def _run_stages(self, backbone: nn.Module, x: Tensor, stages: range,
                    outs: list) -> Tensor:
        for stage in stages:
            x = self._run_stage(backbone, stage, x, outs)
        return x

    def _scored_feature(self, x: Tensor) -> Tensor:
        """The feature PFB scores from the last shallow result ``x``:
        ``x`` itself by default."""
        return x

    def _pack(self, backbone: nn.Module, x: Tensor,
              outs: list) -> Sequence[Tensor]:
        """What ``forward`` returns, from the last stage's result ``x``
        and the collected outputs ``outs`` (a classifier at the end of
        the backbone runs here): ``outs`` as :attr:`outputs_type` by
        default."""
        return self.outputs_type(outs)

    def _shallow_stages(self) -> range:
        return range(self.min_stage, self.block_stage + 1)

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        outs = []
        x = self._run_stages(backbone, inputs, self._shallow_stages(), outs)
        return ShallowState(
            feature=self._scored_feature(x), carry=x, outs=outs)

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        outs = list(state.outs)
        x = self._run_stages(
            backbone, state.carry,
            range(self.block_stage + 1,
                  self.num_stages(backbone) + 1), outs)
        return self._pack(backbone, x, outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for stage in self._shallow_stages():
            for module in self._stage_modules(backbone, stage):
                yield from module.modules()
            for module in self._output_modules(backbone, stage):
                yield from module.modules()
