# Copyright (c) mmpfb contributors. All rights reserved.
"""Fixed-size sampling without replacement with given inclusion
probabilities, for ``criterion='sampled'`` (``docs/pfb_options.md``)."""
from typing import Optional, Tuple

import torch
from torch import Tensor


def inclusion_probabilities(weights: Tensor, num_keep: int) -> Tensor:
    """``pi_i = min(1, c w_i)`` with ``c`` such that ``sum pi = num_keep``.

    Rows whose share would exceed one are kept for sure and the rest of
    ``num_keep`` is shared among the others in proportion to their
    weights (at most ``N`` rounds).

    Args:
        weights (Tensor): Positive weights of shape (N, ).
        num_keep (int): The sample size, in [1, N].

    Returns:
        Tensor: float64 probabilities of shape (N, ) summing to
        ``num_keep``.
    """
    weights = weights.double()
    if not 1 <= num_keep <= weights.numel():
        raise ValueError(f'num_keep must be in [1, {weights.numel()}], '
                         f'but got {num_keep}')
    if not bool((weights > 0).all()) or not bool(weights.isfinite().all()):
        raise ValueError('weights must be positive and finite')
    sure = torch.zeros_like(weights, dtype=torch.bool)
    while True:
        left = num_keep - int(sure.sum())
        free = torch.where(sure, torch.zeros_like(weights), weights)
        probs = torch.where(sure, torch.ones_like(weights),
                            left * free / free.sum())
        over = (probs > 1) & ~sure
        if left == 0 or not bool(over.any()):
            return probs.clamp(max=1)
        sure |= over


def systematic_sample(probs: Tensor,
                      generator: Optional[torch.Generator] = None) -> Tensor:
    """Draw ``sum(probs)`` rows, row ``i`` with probability ``probs[i]``.

    Systematic sampling in a random order: the probabilities of the
    shuffled rows are laid end to end on ``[0, K)`` and the rows under
    the points ``u, u + 1, ..., u + K - 1`` (one ``u ~ U(0, 1)``) are
    drawn. No row is drawn twice as no probability exceeds one.

    Args:
        probs (Tensor): Inclusion probabilities in [0, 1] of shape (N, ),
            summing to an integer K (up to rounding).
        generator (torch.Generator, optional): The random source.
            Defaults to None.

    Returns:
        Tensor: The K drawn row indices, ascending, on the CPU.
    """
    probs = probs.double().cpu()
    num_keep = int(round(float(probs.sum())))
    order = torch.randperm(probs.numel(), generator=generator)
    ends = probs[order].cumsum(0)
    points = torch.rand((), generator=generator, dtype=torch.float64) + \
        torch.arange(num_keep, dtype=torch.float64)
    slots = torch.searchsorted(ends, points, right=True)
    return order[slots.clamp(max=probs.numel() - 1)].sort().values


def rarity_sample(
        log_density: Tensor,
        num_keep: int,
        strength: float,
        generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor]:
    """Keep ``num_keep`` rows, the rarer the likelier, with loss weights
    that make the kept rows' mean loss unbiased for the batch's.

    Row ``i`` is weighted ``exp(-strength * z_i)``, ``z_i`` its log
    density standardised over the batch and clipped to [-2, 2]; it is
    kept with probability ``pi_i`` (:func:`inclusion_probabilities`) and
    its loss weighted ``K / (N pi_i)``, so the expected mean weighted loss
    of the K kept rows is the mean loss of all N (Horvitz-Thompson). At
    ``strength=0`` every ``pi_i`` is ``K / N`` and every weight 1:
    uniform random pruning.

    Args:
        log_density (Tensor): Log densities of shape (N, ).
        num_keep (int): Rows to keep, in [1, N].
        strength (float): How much rarity raises the keep probability.
        generator (torch.Generator, optional): The random source.
            Defaults to None.

    Returns:
        tuple[Tensor, Tensor]: Kept row indices (ascending, CPU) and
        their float32 loss weights (CPU).
    """
    log_density = log_density.detach().double().cpu()
    spread = log_density.std(correction=0)
    z = (log_density - log_density.mean()) / spread.clamp(min=1e-12)
    probs = inclusion_probabilities((-strength * z.clamp(-2, 2)).exp(),
                                    num_keep)
    keep = systematic_sample(probs, generator)
    weights = num_keep / (probs.numel() * probs[keep])
    return keep, weights.float()
