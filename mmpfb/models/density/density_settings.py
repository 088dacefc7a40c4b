# Copyright (c) mmpfb contributors. All rights reserved.
from dataclasses import dataclass
from typing import Optional

from mmpfb.utils.arg_checks import (check_bool, check_choice, check_int,
                                    check_number, check_positive)

BANDWIDTH_RULES = ('silverman', 'scott', 'identity')
#: The least seed ``torch.Generator.manual_seed`` takes (it maps a
#: negative seed to ``2**64 + seed``).
MIN_SEED = -2**63


@dataclass(frozen=True)
class DensitySettings:
    """Settings of :class:`AdaptiveDensityEstimator`, checked on creation.

    Args:
        num_centroids (int): Number of centroids ``N_C``. Defaults to 64.
        feat_dim (int): Dimension ``D`` of the pooled features.
            Defaults to 128.
        bandwidth (str): Bandwidth rule, one of ``'silverman'``,
            ``'scott'`` and ``'identity'`` (``H = I``).
            Defaults to ``'silverman'``.
        balance (bool): Weight each kernel by its centroid's count
            (Eq. 9). ``False`` gives every kernel weight 1 (the paper's
            "w/o weight" ablation). Defaults to True.
        random_bound (float): Upper bound ``b`` of the per-sample random
            term ``alpha ~ U(0, b)``. Defaults to 0.01.
        log_noise (float): With a value ``s > 0`` the ranking uses
            ``log f_i + s * sd(log f) * z_i``, ``z_i ~ N(0, 1)``, where
            ``sd(log f)`` is the spread of the batch's log densities,
            instead of the uniform term (the random term of the authors'
            code is Gaussian and scaled by the scores; ``docs/design.md``
            2). 0 keeps the paper's uniform term. Defaults to 0.0.
        momentum (float): ``beta`` of the centroid update, the least
            fraction of the old centroid forgotten per update.
            Defaults to 0.01.
        eps (float): Floor of the per-dimension standard deviation of the
            centroids, so identical features never divide by zero.
            Defaults to 1e-6.
        seed (int, optional): Seed of the generators. ``None`` takes
            ``torch.initial_seed()``, which MMEngine's ``randomness.seed``
            sets. Defaults to None.

    Raises:
        ValueError: For a value out of range; the message names the
            argument and the value.
    """

    num_centroids: int = 64
    feat_dim: int = 128
    bandwidth: str = 'silverman'
    balance: bool = True
    random_bound: float = 0.01
    log_noise: float = 0.0
    momentum: float = 0.01
    eps: float = 1e-6
    seed: Optional[int] = None

    def __post_init__(self) -> None:
        check_int('num_centroids', self.num_centroids, 2)
        check_int('feat_dim', self.feat_dim, 1)
        check_choice('bandwidth', self.bandwidth, BANDWIDTH_RULES)
        check_bool('balance', self.balance)
        check_number('random_bound', self.random_bound, 0)
        check_number('log_noise', self.log_noise, 0)
        check_number('momentum', self.momentum, 0, 1)
        check_positive('eps', self.eps)
        check_int('seed', self.seed, MIN_SEED, optional=True)
