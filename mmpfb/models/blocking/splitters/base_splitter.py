# Copyright (c) mmpfb contributors. All rights reserved.
"""How a backbone is cut into a shallow part and a deep part."""
from abc import ABCMeta, abstractmethod
from typing import Iterator, Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from .shallow_state import ShallowState


class BaseSplitter(metaclass=ABCMeta):
    """Cut a backbone's forward at the end of stage ``block_stage``.

    A splitter holds no module: the backbone is passed to each call, so
    it stays registered once in the model. ``forward_deep(forward_shallow
    (x))`` must equal the backbone's own ``forward(x)``.

    A subclass registers itself in :data:`mmpfb.registry.SPLITTERS`, names
    the backbone classes whose ``forward`` it reproduces in
    :attr:`backbones` (``'<top-level package>.<class name>'``, e.g.
    ``'mmseg.ResNet'``; subclasses that keep that ``forward`` are covered
    too), sets :attr:`min_stage` (0 when the backbone has a stem of its
    own) and implements the abstract methods. No host library is imported
    to register a splitter. A backbone whose ``forward`` runs its stages
    one after the other is covered more briefly by
    :class:`~mmpfb.models.blocking.splitters.StagewiseSplitter`.

    Args:
        backbone (nn.Module): The backbone to split.
        block_stage (int): Last stage of the shallow part, 1-based
            (0 = stem only).
    """

    backbones: Tuple[str, ...] = ()
    min_stage: int = 0

    def __init__(self, backbone: nn.Module, block_stage: int) -> None:
        max_stage = self.num_stages(backbone)
        if (not isinstance(block_stage, int)
                or not self.min_stage <= block_stage <= max_stage):
            raise ValueError(
                f'block_stage must be an int in [{self.min_stage}, '
                f'{max_stage}] for {type(backbone).__name__}, '
                f'but got {block_stage!r}')
        self.block_stage = block_stage

    @abstractmethod
    def num_stages(self, backbone: nn.Module) -> int:
        """Number of stages of ``backbone``."""

    @abstractmethod
    def channels(self, backbone: nn.Module) -> int:
        """Channels of the scored stage-``block_stage`` feature."""

    @abstractmethod
    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        """Run stem .. stage ``block_stage``."""

    @abstractmethod
    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        """Run the stages after ``block_stage`` and return the outputs
        the backbone's ``forward`` returns (same container type)."""

    @abstractmethod
    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        """The backbone's modules that run in the shallow part."""

    def deep_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        """The backbone's modules that run in the deep part."""
        shallow = {id(m) for m in self.shallow_modules(backbone)}
        for module in backbone.modules():
            if id(module) not in shallow and module is not backbone:
                yield module
