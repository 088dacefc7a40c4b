# Copyright (c) mmpfb contributors. All rights reserved.
"""What one PFB step hands back, and how its kept rows reach the host."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor


def finite_and_kept_on_host(
        x: Tensor, keep: Optional[Tensor]) -> Tuple[bool, Optional[list]]:
    """Whether ``x`` is all finite, and the kept rows as a list.

    Both come in one device-to-host copy: the step's only
    synchronisation with the device (the data samples to keep are Python
    objects).

    Args:
        x (Tensor): The pooled features.
        keep (Tensor, optional): The kept rows; None: all.

    Returns:
        tuple[bool, list | None]: The flag and the kept rows (None when
        ``keep`` is).
    """
    flag = torch.isfinite(x).all().long().view(1)
    values = (flag if keep is None else torch.cat([flag, keep])).tolist()
    return bool(values[0]), None if keep is None else values[1:]


def keep_stats(keep_index: Optional[list],
               batch_size: int) -> Dict[str, Tensor]:
    """``pfb_keep_num`` and ``pfb_keep_ratio`` of a step, on the host:
    MMEngine reads every logged variable back each iteration, which for a
    device tensor waits for the device.

    Args:
        keep_index (list, optional): The kept rows; None: all.
        batch_size (int): The batch's size.

    Returns:
        dict[str, Tensor]: The two statistics.
    """
    num_keep = batch_size if keep_index is None else len(keep_index)
    return dict(
        pfb_keep_num=torch.tensor(float(num_keep)),
        pfb_keep_ratio=torch.tensor(num_keep / batch_size))


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
