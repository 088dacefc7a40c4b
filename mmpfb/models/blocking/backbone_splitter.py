# Copyright (c) mmpfb contributors. All rights reserved.
"""How a backbone is cut into a shallow part and a deep part."""
from dataclasses import dataclass, field, replace
from typing import Iterator, List, Sequence, Tuple, Type

import torch.nn as nn
from torch import Tensor


@dataclass
class ShallowState:
    """What the shallow part (stem .. stage k) hands to the deep part.

    Attributes:
        feature (Tensor): The stage-k map that PFB scores, batch first:
            ``(N, C, H, W)`` or ``(N, L, C)`` tokens.
        carry (Tensor): The input of stage ``k + 1``, batch first.
        outs (list[Tensor]): Backbone outputs already collected at stages
            ``<= k``, batch first.
        meta (dict): Batch-independent values the deep part needs (a
            transformer's ``hw_shape``).
    """
    feature: Tensor
    carry: Tensor
    outs: List[Tensor] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def index_select(self, index: Tensor) -> 'ShallowState':
        """The state of the samples at ``index`` (rows of the batch)."""
        return replace(
            self,
            feature=self.feature.index_select(0, index),
            carry=self.carry.index_select(0, index),
            outs=[out.index_select(0, index) for out in self.outs])


class BackboneSplitter:
    """Cut a backbone's forward at the end of stage ``block_stage``.

    A splitter holds no module: the backbone is passed to each call, so
    it stays registered once in the model. ``forward_deep(forward_shallow
    (x))`` must equal the backbone's own ``forward(x)``.

    Subclasses set :attr:`backbone_class` (the class whose ``forward``
    they reproduce), :attr:`backbone_names` (the registered names of it
    and its subclasses, for error messages) and :attr:`min_stage` (0 when
    the backbone has a stem of its own), and implement the abstract
    methods.

    Args:
        backbone (nn.Module): The backbone to split.
        block_stage (int): Last stage of the shallow part, 1-based
            (0 = stem only).
    """

    backbone_class: Type[nn.Module] = nn.Module
    backbone_names: Tuple[str, ...] = ()
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

    @classmethod
    def supports(cls, backbone: nn.Module) -> bool:
        """Whether ``backbone`` runs the forward this splitter mirrors."""
        return (isinstance(backbone, cls.backbone_class)
                and type(backbone).forward is cls.backbone_class.forward)

    def num_stages(self, backbone: nn.Module) -> int:
        """Number of stages of ``backbone``."""
        raise NotImplementedError

    def channels(self, backbone: nn.Module) -> int:
        """Channels of the scored stage-``block_stage`` feature."""
        raise NotImplementedError

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        """Run stem .. stage ``block_stage``."""
        raise NotImplementedError

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        """Run the stages after ``block_stage`` and return the outputs
        the backbone's ``forward`` returns (same container type)."""
        raise NotImplementedError

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        """The backbone's modules that run in the shallow part."""
        raise NotImplementedError

    def deep_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        """The backbone's modules that run in the deep part."""
        shallow = {id(m) for m in self.shallow_modules(backbone)}
        for module in backbone.modules():
            if id(module) not in shallow and module is not backbone:
                yield module


_SPLITTERS: List[Type[BackboneSplitter]] = []


def register_splitter(cls: Type[BackboneSplitter]) -> Type[BackboneSplitter]:
    """Class decorator adding a splitter to those :func:`build_splitter`
    tries."""
    _SPLITTERS.append(cls)
    return cls


def build_splitter(backbone: nn.Module, block_stage: int) -> BackboneSplitter:
    """The splitter for ``backbone``, cutting after ``block_stage``.

    Raises:
        TypeError: If no registered splitter supports the backbone; the
            message lists the supported backbones.
        ValueError: If ``block_stage`` is outside the backbone's range.
    """
    for splitter in _SPLITTERS:
        if splitter.supports(backbone):
            return splitter(backbone, block_stage)
    supported = '; '.join(
        f'{s.backbone_class.__module__.split(".")[0]}: '
        f'{", ".join(s.backbone_names)}'
        for s in _SPLITTERS) or 'none (no host library is installed)'
    raise TypeError(f'PFB cannot split backbone {type(backbone).__name__}; '
                    f'supported backbones: {supported}')
