# Copyright (c) mmpfb contributors. All rights reserved.
"""PFB's ranking with the loss memory: keep the rare or the hard."""
import torch
from torch import Tensor

#: Remembered losses below this count as it (the log needs a positive
#: loss).
LOSS_FLOOR = 1e-12
#: Floor of the estimator's rank score before its log: the smallest
#: positive float32.
SCORE_FLOOR = 2.0**-149


def standardised(values: Tensor, mask: Tensor) -> Tensor:
    """``(v_i - mean) / sd`` over the rows in ``mask`` (population
    standard deviation); 0 outside ``mask`` and everywhere when the
    spread is 0 (fewer than two distinct values).

    Args:
        values (Tensor): float64 values, shape (N, ); rows outside
            ``mask`` may be NaN.
        mask (Tensor): bool, shape (N, ).

    Returns:
        Tensor: float64 standard scores, shape (N, ).
    """
    count = mask.sum().clamp_min(1)
    mean = torch.where(mask, values, 0).sum() / count
    centred = torch.where(mask, values - mean, 0)
    spread = (centred.square().sum() / count).sqrt()
    return torch.where(spread > 0, centred / spread, 0)


def rare_or_hard_importance(rank_scores: Tensor,
                            remembered: Tensor,
                            weight: float,
                            log_scores: bool = False) -> Tensor:
    """Importance of each sample of a batch from its rarity and its
    remembered loss; the largest are kept.

    .. code:: text

        r_i = -log max(g_i, 2^-149)     (log_scores: r_i = -g_i)
        h_i = log max(L_i, 1e-12)       for i in S, the samples with a
                                        finite remembered loss L_i
        I_i = z(r)_i + weight * z_S(h)_i

    ``g_i`` is the estimator's rank score (smaller is rarer, its random
    term included), so ``r`` orders the samples as PFB does. ``z`` is
    the standard score over the batch and ``z_S`` over ``S`` only,
    population standard deviation; ``z_S(h)_i = 0`` for a sample outside
    ``S`` (never seen), and both are 0 without spread. Without any
    remembered loss the ranking is PFB's, ties included.

    Args:
        rank_scores (Tensor): ``g_i`` of
            :meth:`~mmpfb.models.density.AdaptiveDensityEstimator.rank_scores`,
            shape (N, ).
        remembered (Tensor): ``L_i``, NaN for none, shape (N, ).
        weight (float): Weight of the loss term, > 0.
        log_scores (bool): ``g_i`` is a log density (the estimator's
            ``log_noise > 0``). Defaults to False.

    Returns:
        Tensor: float64 importances, shape (N, ), on ``rank_scores``'
        device.
    """
    scores = rank_scores.double()
    rarity = -scores if log_scores else -scores.clamp_min(SCORE_FLOOR).log()
    everyone = torch.ones_like(rarity, dtype=torch.bool)
    seen = torch.isfinite(remembered)
    hardness = remembered.double().clamp_min(LOSS_FLOOR).log()
    loss_term = standardised(hardness, seen)
    return standardised(rarity, everyone) + weight * loss_term
