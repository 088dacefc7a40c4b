# Copyright (c) mmpfb contributors. All rights reserved.
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from torch import Tensor


@dataclass
class BlockingResult:
    """What one PFB step hands back to the host model.

    Attributes:
        feats (Sequence[Tensor]): Backbone outputs of the kept samples.
        keep_index (list[int], optional): Kept rows of the batch in
            ascending order; None when every sample was kept.
        stats (dict[str, Tensor]): Pruning statistics to log, keyed
            without the substring ``loss``.
        loss_weights (Tensor, optional): A weight per kept sample for its
            loss (``criterion='sampled'``); None: unweighted.
    """
    feats: Sequence[Tensor]
    keep_index: Optional[List[int]]
    stats: Dict[str, Tensor]
    loss_weights: Optional[Tensor] = None

    def select(self, items: Sequence) -> list:
        """The kept entries of a per-sample sequence (data samples)."""
        if self.keep_index is None:
            return list(items)
        return [items[i] for i in self.keep_index]
