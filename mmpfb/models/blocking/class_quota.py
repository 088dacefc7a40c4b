# Copyright (c) mmpfb contributors. All rights reserved.
"""Keep each class's share of the batch (``pfb.class_quota``), and the
class of a segmentation image."""
from typing import Sequence

import torch
from torch import Tensor

from mmpfb.utils.arg_checks import check_choice

LABEL_MAP_RULES = ('dominant', 'rarest')


def label_map_classes(label_maps: Sequence[Tensor],
                      num_classes: int,
                      ignore_index: int,
                      rule: str = 'dominant') -> Tensor:
    """The class each segmentation image counts for.

    The pixels are counted on the maps' device and the classes come to
    the host in one copy.

    Args:
        label_maps (Sequence[Tensor]): Each image's pixel labels, any
            shape.
        num_classes (int): Labels in ``[0, num_classes)`` count; others
            (``ignore_index`` among them) are left out.
        ignore_index (int): The label of unlabelled pixels.
        rule (str): ``'dominant'``, the class with the most pixels, or
            ``'rarest'``, the class present with the fewest (ties: the
            smaller id). Defaults to ``'dominant'``.

    Returns:
        Tensor: int64 classes of shape (len(label_maps),) on the host;
        -1 for an image without a labelled pixel.
    """
    check_choice('rule', rule, LABEL_MAP_RULES)
    counts = torch.stack([
        _pixel_counts(label_map, num_classes, ignore_index)
        for label_map in label_maps
    ])
    if rule == 'dominant':
        classes = counts.argmax(dim=1)
    else:
        classes = counts.masked_fill(counts == 0,
                                     counts.numel() + 1).argmin(dim=1)
    return classes.masked_fill(counts.sum(dim=1) == 0, -1).cpu()


def _pixel_counts(label_map: Tensor, num_classes: int,
                  ignore_index: int) -> Tensor:
    """Pixels of each class, shape (num_classes,), on the map's device
    (no data-dependent shape, so no wait for the device)."""
    labels = label_map.reshape(-1).long()
    valid = (labels != ignore_index) & (labels >= 0) & (labels < num_classes)
    labels = torch.where(valid, labels, torch.full_like(labels, num_classes))
    counts = torch.zeros(
        num_classes + 1, dtype=torch.long, device=labels.device)
    counts.scatter_add_(0, labels, torch.ones_like(labels))
    return counts[:num_classes]


def label_map_class(label_map: Tensor,
                    ignore_index: int,
                    rule: str = 'dominant') -> int:
    """The class one segmentation image on the host counts for, by
    :func:`label_map_classes`'s ``rule``; every label but
    ``ignore_index`` counts.

    Args:
        label_map (Tensor): Its pixel labels, any shape.
        ignore_index (int): The label of unlabelled pixels.
        rule (str): ``'dominant'`` or ``'rarest'``. Defaults to
            ``'dominant'``.

    Returns:
        int: The class; -1 when no pixel is labelled.
    """
    labels = label_map[label_map != ignore_index]
    num_classes = int(labels.max()) + 1 if labels.numel() else 1
    return label_map_classes([label_map], num_classes, ignore_index,
                             rule).item()


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
    # on the host: each class's quota and its block's start below
    quotas = class_quotas(classes, num_keep)[1].tolist()
    counts = torch.unique(classes, sorted=True, return_counts=True)[1]
    starts = (counts.cumsum(0) - counts).tolist()
    # the rows by class (ids ascending), and by score within a class:
    # a class keeps the first rows of its block
    order = torch.sort(scores, stable=True).indices
    by_class = order[torch.sort(
        classes.to(scores.device, non_blocking=True)[order],
        stable=True).indices]
    places = [
        place for start, quota in zip(starts, quotas)
        for place in range(start, start + quota)
    ]
    return by_class[torch.tensor(places, dtype=torch.long).to(
        scores.device, non_blocking=True)].sort().values
