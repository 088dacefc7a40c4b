# Copyright (c) mmpfb contributors. All rights reserved.
"""What the shallow part of a split backbone hands to the deep part."""
from dataclasses import dataclass, field, replace
from typing import List, Sequence, Union

from torch import Tensor


@dataclass
class ShallowState:
    """What the shallow part (stem .. stage k) hands to the deep part.

    Attributes:
        feature (Tensor): The stage-k map that PFB scores, batch first:
            ``(N, C, H, W)`` or ``(N, L, C)`` tokens.
        carry (Tensor | list[Tensor]): The input of stage ``k + 1``, batch
            first (one tensor per branch of a multi-branch network).
        outs (list[Tensor]): Backbone outputs already collected at stages
            ``<= k``, batch first.
        meta (dict): Batch-independent values the deep part needs (a
            transformer's ``hw_shape``).
    """
    feature: Tensor
    carry: Union[Tensor, Sequence[Tensor]]
    outs: List[Tensor] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def index_select(self, index: Tensor) -> 'ShallowState':
        """The state of the samples at ``index`` (rows of the batch)."""
        return replace(
            self,
            feature=self.feature.index_select(0, index),
            carry=self.carry.index_select(0, index) if isinstance(
                self.carry, Tensor) else
            [branch.index_select(0, index) for branch in self.carry],
            outs=[out.index_select(0, index) for out in self.outs])
