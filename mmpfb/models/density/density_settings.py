# Copyright (c) mmpfb contributors. All rights reserved.
from dataclasses import dataclass
from typing import Optional

BANDWIDTH_RULES = ('silverman', 'scott', 'identity')


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
        if not isinstance(self.num_centroids, int) or self.num_centroids < 2:
            raise ValueError('num_centroids must be an int >= 2, '
                             f'but got {self.num_centroids!r}')
        if not isinstance(self.feat_dim, int) or self.feat_dim < 1:
            raise ValueError(
                f'feat_dim must be an int >= 1, but got {self.feat_dim!r}')
        if self.bandwidth not in BANDWIDTH_RULES:
            raise ValueError(f'bandwidth must be one of {BANDWIDTH_RULES}, '
                             f'but got {self.bandwidth!r}')
        if not isinstance(self.balance, bool):
            raise ValueError(
                f'balance must be a bool, but got {self.balance!r}')
        if not self.random_bound >= 0:
            raise ValueError(
                f'random_bound must be >= 0, but got {self.random_bound!r}')
        if not isinstance(self.log_noise, (int, float)) or \
                not self.log_noise >= 0:
            raise ValueError(
                f'log_noise must be >= 0, but got {self.log_noise!r}')
        if not 0 <= self.momentum < 1:
            raise ValueError(
                f'momentum must be in [0, 1), but got {self.momentum!r}')
        if not self.eps > 0:
            raise ValueError(f'eps must be > 0, but got {self.eps!r}')
        if self.seed is not None and not isinstance(self.seed, int):
            raise ValueError(
                f'seed must be None or an int, but got {self.seed!r}')
