# Copyright (c) mmpfb contributors. All rights reserved.
"""The adaptive centroid update (Eq. 7 and 8 of the paper): pure
functions of tensors."""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def nearest_centroids(x: Tensor, centroids: Tensor) -> Tensor:
    """Index of the nearest centroid (Euclidean) of each row of ``x``
    (Eq. 7); ties go to the lower index.

    Args:
        x (Tensor): Points of shape (N, D).
        centroids (Tensor): Centroids of shape (N_C, D).

    Returns:
        Tensor: Long indices of shape (N,).
    """
    # the direct form avoids cdist's matmul shortcut, which cancels
    # catastrophically for near-identical rows
    return torch.cdist(
        x, centroids,
        compute_mode='donot_use_mm_for_euclid_dist').argmin(dim=1)


def move_centroids(x: Tensor, centroids: Tensor, counts: Tensor,
                   momentum: float) -> Tuple[Tensor, Tensor]:
    """Move each centroid towards the mean of the rows of ``x`` nearest to
    it, by the normalised form of Eq. 8:

    .. code:: text

        c_j <- ((1 - beta) n_j c_j + (m_j + beta n_j) xbar_j) / (n_j + m_j)

    where ``m_j`` rows with mean ``xbar_j`` are nearest to ``c_j`` and
    ``n_j`` is its count. Centroids without a row stay where they are.

    Args:
        x (Tensor): Points of shape (M, D).
        centroids (Tensor): Centroids of shape (N_C, D).
        counts (Tensor): ``n_j``, shape (N_C,).
        momentum (float): ``beta``, the least fraction of the old centroid
            forgotten per update.

    Returns:
        tuple[Tensor, Tensor]: The moved centroids, in the centroids'
        dtype, and ``m_j`` (long), the number of rows each absorbed; the
        new counts are ``counts + m_j``.
    """
    assign = nearest_centroids(x, centroids)
    # one-hot products instead of index_add_/bincount: deterministic on
    # CUDA too, and one batched op
    onehot = F.one_hot(assign, centroids.size(0)).to(x.dtype)
    sums = onehot.t() @ x
    num_assigned = onehot.sum(dim=0).long()
    m = num_assigned.to(centroids.dtype).unsqueeze(1)
    n = counts.to(centroids.dtype).unsqueeze(1)
    xbar = sums / m.clamp_min(1)
    beta = momentum
    moved = ((1 - beta) * n * centroids +
             (m + beta * n) * xbar) / (n + m).clamp_min(1)
    return torch.where(m > 0, moved, centroids), num_assigned
