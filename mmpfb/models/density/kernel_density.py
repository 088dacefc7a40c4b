# Copyright (c) mmpfb contributors. All rights reserved.
"""Balanced Gaussian kernel density over count-weighted centroids (Eq. 4,
5 and 9 of the paper), in log space: pure functions of tensors."""
import math
from typing import Optional

import torch
from torch import Tensor

from mmpfb.utils.arg_checks import check_choice
from .density_settings import BANDWIDTH_RULES


def bandwidth_diag(centroids: Tensor, rule: str, eps: float) -> Tensor:
    """The diagonal ``h_d`` of the bandwidth matrix ``H``.

    ``'silverman'`` and ``'scott'`` scale the per-dimension standard
    deviation of the centroids (floored at ``eps``) by their rule's factor
    and square it; ``'identity'`` gives ``H = I``.

    Args:
        centroids (Tensor): The centroids, shape (N_C, D).
        rule (str): One of ``'silverman'``, ``'scott'`` and
            ``'identity'``.
        eps (float): Floor of the per-dimension standard deviation, so
            identical centroids never give a zero bandwidth.

    Returns:
        Tensor: ``h_d`` of shape (D,), in the centroids' dtype.
    """
    check_choice('rule', rule, BANDWIDTH_RULES)
    dim = centroids.size(1)
    if rule == 'identity':
        return centroids.new_ones(dim)
    num = centroids.size(0)
    sigma = centroids.std(dim=0, unbiased=num > 1).clamp_min(eps)
    if rule == 'silverman':
        factor = (4.0 / ((dim + 2) * num))**(1.0 / (dim + 4))
    else:
        factor = num**(-1.0 / (dim + 4))
    return (factor * sigma)**2


def log_balance_weights(counts: Tensor, balance: bool = True) -> Tensor:
    """``log w_j``: the log of each centroid's share of the counts (Eq. 9).

    Args:
        counts (Tensor): How many samples each centroid has absorbed,
            shape (N_C,).
        balance (bool): Weight by the counts; False gives every kernel
            weight 1 (``log w_j = 0``). Defaults to True.

    Returns:
        Tensor: ``log w_j`` of shape (N_C,), float32 for integer counts,
        else in the counts' dtype.
    """
    if not counts.is_floating_point():
        counts = counts.float()
    if not balance:
        return torch.zeros_like(counts)
    return counts.log() - counts.sum().log()


def log_kernel_density(x: Tensor,
                       centroids: Tensor,
                       log_weights: Tensor,
                       bandwidth: Tensor,
                       num_centroids: Optional[int] = None) -> Tensor:
    """Log density of each row of ``x`` under the weighted Gaussian KDE:

    .. code:: text

        log f(x) = logsumexp_j [log w_j - log N_C + log K_H(x - c_j)]
        log K_H(u) = -1/2 sum_d u_d^2 / h_d - 1/2 sum_d log(2 pi h_d)

    Args:
        x (Tensor): Points of shape (N, D).
        centroids (Tensor): Kernel centres ``c_j`` of shape (M, D).
        log_weights (Tensor): ``log w_j`` of shape (M,).
        bandwidth (Tensor): The diagonal ``h_d`` of ``H``, shape (D,).
        num_centroids (int, optional): ``N_C``, which divides the weights;
            it may exceed ``M`` while an estimator's slots are filling.
            None takes ``M``. Defaults to None.

    Returns:
        Tensor: Log densities of shape (N,), in the inputs' dtype.
    """
    if num_centroids is None:
        num_centroids = centroids.size(0)
    scale = bandwidth.rsqrt()
    # whitening first keeps the distances well scaled at any feature
    # magnitude; the direct form avoids cdist's matmul shortcut, which
    # cancels catastrophically for near-identical rows
    dist2 = torch.cdist(
        x * scale,
        centroids * scale,
        compute_mode='donot_use_mm_for_euclid_dist').square()
    log_norm = -0.5 * (torch.log(2 * math.pi * bandwidth)).sum()
    log_kernel = -0.5 * dist2 + log_norm
    log_terms = log_weights - math.log(num_centroids) + log_kernel
    return torch.logsumexp(log_terms, dim=1)
