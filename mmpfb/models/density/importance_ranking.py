# Copyright (c) mmpfb contributors. All rights reserved.
"""From log densities to the kept samples: the ranking scores, the kept
count and the selection. Pure functions; the random draws are inputs."""
import math

import torch
from torch import Tensor


def relative_density_scores(log_density: Tensor, alpha: Tensor) -> Tensor:
    """``g_i = exp(log f_i - max_k log f_k) + alpha_i``: density relative
    to the batch's densest sample plus a per-sample random term. Ranking by
    ``g_i`` orders the samples as the paper's importance
    ``1 / (f_i + alpha_i max_k f_k)`` does; smaller is more important.

    Args:
        log_density (Tensor): ``log f_i`` of shape (N,).
        alpha (Tensor): ``alpha_i`` of shape (N,).

    Returns:
        Tensor: ``g_i`` of shape (N,).
    """
    return (log_density - log_density.max()).exp() + alpha


def noisy_log_density_scores(log_density: Tensor, z: Tensor,
                             log_noise: float) -> Tensor:
    """``log f_i + s sd(log f) z_i``: the log density plus a Gaussian term
    scaled by the spread (population standard deviation) of the batch's
    log densities; smaller is more important.

    Args:
        log_density (Tensor): ``log f_i`` of shape (N,).
        z (Tensor): Standard normal draws ``z_i`` of shape (N,).
        log_noise (float): The scale ``s``.

    Returns:
        Tensor: The scores, shape (N,).
    """
    spread = log_density.std(correction=0)
    return log_density + log_noise * spread * z


def smallest_in_batch_order(scores: Tensor, num_keep: int) -> Tensor:
    """Indices of the ``num_keep`` smallest scores (ties to the earlier
    row), in ascending order.

    Args:
        scores (Tensor): Scores of shape (N,).
        num_keep (int): How many indices to return.

    Returns:
        Tensor: Long indices of shape (min(num_keep, N),).
    """
    order = torch.sort(scores, stable=True).indices
    return order[:num_keep].sort().values


def keep_count(batch_size: int, prune_ratio: float, min_keep: int,
               u: float) -> int:
    """``K = floor((1 - p) N + u)`` clamped to ``[min(min_keep, N), N]``;
    with ``u ~ U(0, 1)`` its mean is exactly ``(1 - p) N`` (unless the
    clamp binds).

    Args:
        batch_size (int): ``N``.
        prune_ratio (float): ``p``.
        min_keep (int): The least count kept of a batch of ``min_keep``
            or more samples.
        u (float): The rounding draw in ``[0, 1)``.

    Returns:
        int: ``K``.
    """
    num_keep = math.floor((1 - prune_ratio) * batch_size + u)
    return max(min(min_keep, batch_size), min(num_keep, batch_size))
