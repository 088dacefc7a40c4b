# Copyright (c) mmpfb contributors. All rights reserved.
"""Keep each class's share of the batch (``pfb.class_quota``)."""
import torch
from torch import Tensor


def class_quotas(classes: Tensor, num_keep: int) -> Tensor:
    """How many samples of each class to keep so that every class keeps
    its share of the batch (``docs/design.md`` 1).

    Class ``c`` with ``n_c`` of the ``N`` samples keeps ``floor(q_c)`` of
    ``q_c = n_c K / N``; the ``K - sum floor(q_c)`` left over go to the
    classes with the largest remainders (ties: the smaller class id), so
    the quotas sum to ``K`` and none exceeds its class's count.

    Args:
        classes (Tensor): Class id of each sample, shape (N,), int64.
        num_keep (int): ``K``, in ``[0, N]``.

    Returns:
        Tensor: ``(ids, quotas)`` stacked, shape (2, number of classes
        present), ids ascending.
    """
    ids, counts = torch.unique(classes, sorted=True, return_counts=True)
    exact = counts.double() * num_keep / classes.numel()
    quotas = exact.floor().long()
    left = num_keep - int(quotas.sum())
    if left > 0:
        # stable sort on the remainders: equal ones keep the id order
        order = torch.sort(
            exact - quotas, descending=True, stable=True).indices
        quotas[order[:left]] += 1
    return torch.stack([ids, quotas])


def keep_by_class_quota(scores: Tensor, classes: Tensor,
                        num_keep: int) -> Tensor:
    """Within each class, the rows with the smallest scores, as many as
    :func:`class_quotas` gives that class.

    Args:
        scores (Tensor): Rank scores, shape (N,); smaller is more
            important.
        classes (Tensor): Class id of each row, shape (N,), int64, on the
            host.
        num_keep (int): ``K``, how many rows to keep in all.

    Returns:
        Tensor: ``K`` row indices, ascending, on ``scores``' device.
    """
    classes = classes.to(scores.device)
    order = torch.sort(scores, stable=True).indices
    kept = []
    for class_id, quota in class_quotas(classes.cpu(), num_keep).T.tolist():
        in_class = order[classes[order] == class_id]
        kept.append(in_class[:quota])
    return torch.cat(kept).sort().values
