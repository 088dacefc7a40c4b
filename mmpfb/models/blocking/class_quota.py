# Copyright (c) mmpfb contributors. All rights reserved.
"""Keep each class's share of the batch (``pfb.class_quota``), and the
class of a segmentation image."""
import torch
from torch import Tensor

LABEL_MAP_RULES = ('dominant', 'rarest')


def label_map_class(label_map: Tensor,
                    ignore_index: int,
                    rule: str = 'dominant') -> int:
    """The class a segmentation image counts for.

    Args:
        label_map (Tensor): Its pixel labels, any shape.
        ignore_index (int): The label of unlabelled pixels.
        rule (str): ``'dominant'``, the class with the most pixels, or
            ``'rarest'``, the class present with the fewest (ties: the
            smaller id). Defaults to ``'dominant'``.

    Returns:
        int: The class; -1 when no pixel is labelled.
    """
    if rule not in LABEL_MAP_RULES:
        raise ValueError(
            f'rule must be one of {LABEL_MAP_RULES}, but got {rule!r}')
    pixels = label_map.reshape(-1)
    pixels = pixels[pixels != ignore_index]
    if pixels.numel() == 0:
        return -1
    counts = torch.bincount(pixels.long().cpu())
    if rule == 'dominant':
        return int(counts.argmax())
    present = counts.nonzero().flatten()
    return int(present[counts[present].argmin()])


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
    quotas = class_quotas(classes, num_keep).T.tolist()  # on the host
    classes = classes.to(scores.device, non_blocking=True)
    order = torch.sort(scores, stable=True).indices
    kept = []
    for class_id, quota in quotas:
        in_class = order[classes[order] == class_id]
        kept.append(in_class[:quota])
    return torch.cat(kept).sort().values
