# Copyright (c) mmpfb contributors. All rights reserved.
"""Adaptive Distribution Estimation (ADE) of PFB, in plain torch."""
import functools
import logging
from typing import Callable, Dict

import torch
import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor

from .centroid_update import move_centroids
from .density_settings import DensitySettings
from .importance_ranking import (noisy_log_density_scores,
                                 relative_density_scores)
from .kernel_density import (bandwidth_diag, log_balance_weights,
                             log_kernel_density)


def _full_precision(method: Callable) -> Callable:
    """Run ``method`` with autocast off: the estimator computes in
    float32 inside a mixed-precision forward too."""

    @functools.wraps(method)
    def wrapper(self, x: Tensor, *args, **kwargs):
        with torch.autocast(x.device.type, enabled=False):
            return method(self, x, *args, **kwargs)

    return wrapper


class AdaptiveDensityEstimator(nn.Module):
    """Balanced kernel density estimate over adaptively updated centroids
    (``docs/design.md`` 2).

    The density of a pooled feature ``x`` is a Gaussian KDE over ``N_C``
    centroids, each weighted by how many kept samples it has absorbed
    (Eq. 4, 5 and 9 of the paper), computed in log space throughout
    (:func:`~.kernel_density.log_kernel_density`):

    .. code:: text

        log f(x) = logsumexp_j [log w_j - log N_C + log K_H(x - c_j)]
        log K_H(u) = -1/2 sum_d u_d^2 / h_d - 1/2 sum_d log(2 pi h_d)

    Dense (common) samples are unimportant. The ranking keeps the ``K``
    smallest ``g_i = exp(log f_i - max_k log f_k) + alpha_i`` with
    ``alpha_i ~ U(0, b)`` drawn per sample, which orders the samples as the
    paper's importance ``1 / (f_i + alpha_i max_k f_k)`` does. With
    ``log_noise = s > 0`` it keeps the smallest ``log f_i + s sd(log f)
    z_i`` instead, ``z_i ~ N(0, 1)``
    (:mod:`~.importance_ranking`).

    Kept samples move their nearest centroid by the normalised form of
    Eq. 8 (the printed form is not a convex combination;
    :func:`~.centroid_update.move_centroids`):

    .. code:: text

        c_j <- ((1 - beta) n_j c_j + (m + beta n_j) xbar_j) / (n_j + m)
        n_j <- n_j + m

    Until every centroid slot is filled nothing should be pruned
    (:attr:`is_ready` is False); the incoming samples fill the empty slots
    in a random order, each with a count of 1, and samples left over after
    the last slot is filled update the centroids as above.

    This class owns the state (centroids, counts, their checkpoints) and
    calls the math of those modules. The random draws come from
    generators it is given: the step's
    (:class:`~mmpfb.models.blocking.RandomStreams`), which under a
    process group also all-gathers the kept features before
    :meth:`update`, so every rank applies the same update and holds the
    same state.
    Loading centroids of another shape (``num_centroids`` or
    ``feat_dim``) raises an error naming both shapes.

    Scoring and updating run in float32 with autocast off, so a
    mixed-precision forward leaves the estimator's arithmetic unchanged.

    Args:
        settings (DensitySettings): The estimator's settings.
            Defaults to ``DensitySettings()`` (the paper's).
    """

    def __init__(self, settings: DensitySettings = DensitySettings()) -> None:
        super().__init__()
        if not isinstance(settings, DensitySettings):
            raise TypeError('settings must be a DensitySettings, but got '
                            f'{settings!r}')
        self.settings = settings
        num_centroids = self.num_centroids = settings.num_centroids
        feat_dim = self.feat_dim = settings.feat_dim
        self.bandwidth = settings.bandwidth
        self.balance = settings.balance
        self.random_bound = float(settings.random_bound)
        self.log_noise = float(settings.log_noise)
        self.momentum = float(settings.momentum)
        self.eps = float(settings.eps)

        self.register_buffer('centroids', torch.zeros(num_centroids, feat_dim))
        self.register_buffer('counts',
                             torch.zeros(num_centroids, dtype=torch.long))
        self.register_buffer('num_filled', torch.zeros((), dtype=torch.long))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        # host copy of num_filled: reading the buffer of a CUDA module
        # would synchronise with the device at every use
        self._num_filled = 0

    # ------------------------------------------------------------------
    # checkpoints
    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        if prefix + 'centroids' not in state_dict:
            print_log(
                f'PFB: the checkpoint has no density estimator state '
                f'({prefix}*; a model trained without PFB?): the estimator '
                'starts empty and pruning starts once its '
                f'{self.num_centroids} centroids are filled.',
                logger='current',
                level=logging.WARNING)
        for name in ('centroids', 'counts'):
            self._check_shape(state_dict, prefix, name)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._num_filled = int(self.num_filled)

    def _check_shape(self, state_dict: dict, prefix: str, name: str) -> None:
        """Raise when the checkpoint's ``name`` has another shape."""
        saved = state_dict.get(prefix + name)
        own = getattr(self, name)
        if saved is None or saved.shape == own.shape:
            return
        raise ValueError(
            f'PFB density estimator: the checkpoint\'s {prefix}{name} has '
            f'shape {tuple(saved.shape)}, this model\'s has shape '
            f'{tuple(own.shape)} (num_centroids={self.num_centroids}, '
            f'feat_dim={self.feat_dim}); build the model with the '
            'checkpoint\'s num_centroids and feat_dim (the rows and columns '
            'of its centroids), or load a checkpoint without the '
            'estimator\'s keys')

    # ------------------------------------------------------------------
    # density
    @property
    def is_ready(self) -> bool:
        """Whether every centroid slot is filled, so pruning may start."""
        return self._num_filled == self.num_centroids

    def summary(self) -> Dict[str, float]:
        """Scalars that describe the estimator, for the logs.

        Returns:
            dict[str, float]: ``num_filled``; ``num_updates``;
            ``effective_centroids``, ``exp`` of the entropy of the
            balance weights (``N_C`` when the counts are even);
            ``max_weight``, the largest balance weight; ``bandwidth``, the
            mean ``sqrt(h_d)``.
        """
        num_filled = self._num_filled
        values = dict(num_updates=self.num_updates)
        if num_filled > 0:
            counts = self.counts[:num_filled].float()
            weights = counts / counts.sum()
            entropy = -(weights * weights.clamp_min(1e-12).log()).sum()
            values.update(
                effective_centroids=entropy.exp(),
                max_weight=weights.max(),
                bandwidth=self.bandwidth_diag().sqrt().mean())
        # computed on the device, copied to the host at once
        out = dict(num_filled=float(num_filled))
        out.update(
            zip(values,
                torch.stack([v.double() for v in values.values()]).tolist()))
        return out

    def bandwidth_diag(self) -> Tensor:
        """The diagonal ``h_d`` of the bandwidth matrix ``H``, float32."""
        return bandwidth_diag(self.centroids[:self._num_filled].float(),
                              self.bandwidth, self.eps)

    def log_weights(self) -> Tensor:
        """``log w_j`` of the filled centroids, float32."""
        return log_balance_weights(self.counts[:self._num_filled],
                                   self.balance)

    @_full_precision
    def log_density(self, x: Tensor) -> Tensor:
        """Log density of each row of ``x`` under the balanced KDE.

        Args:
            x (Tensor): Pooled features of shape (N, D).

        Returns:
            Tensor: float32 log densities of shape (N,).
        """
        if self._num_filled == 0:
            raise RuntimeError('log_density needs at least one centroid; '
                               'call update() first')
        return log_kernel_density(
            x.float(),
            self.centroids[:self._num_filled].float(),
            self.log_weights(),
            self.bandwidth_diag(),
            num_centroids=self.num_centroids)

    def rank_scores(self, x: Tensor, generator: torch.Generator) -> Tensor:
        """``g_i``: density relative to the batch's densest sample, plus
        the per-sample random term; with ``log_noise`` the log density
        plus a Gaussian term scaled by the batch's spread. Smaller is more
        important.

        Args:
            x (Tensor): Pooled features of shape (N, D).
            generator (torch.Generator): Where the random term is drawn
                from (the step's per-rank stream).

        Returns:
            Tensor: float32 scores of shape (N,).
        """
        log_f = self.log_density(x)
        # a host-to-device copy from pageable memory may be non-blocking:
        # CUDA stages the source at once
        if self.log_noise > 0:
            z = torch.randn(x.size(0), generator=generator)
            return noisy_log_density_scores(
                log_f, z.to(log_f.device, non_blocking=True), self.log_noise)
        alpha = torch.rand(x.size(0), generator=generator) * self.random_bound
        return relative_density_scores(
            log_f, alpha.to(log_f.device, non_blocking=True))

    # ------------------------------------------------------------------
    # update
    @torch.no_grad()
    @_full_precision
    def update(self, x: Tensor, generator: torch.Generator) -> None:
        """Absorb the kept features (of every rank when distributed).

        Without any row (over all ranks) the state is left as it is.

        Args:
            x (Tensor): Kept pooled features of shape (M, D).
            generator (torch.Generator): The order in which rows fill the
                free centroid slots is drawn from it (the step's shared
                stream: every rank draws the same).
        """
        x = x.detach().float()
        if x.size(0) == 0:
            return
        if self._num_filled < self.num_centroids:
            x = self._fill_free_slots(x, generator)
        if x.size(0) > 0:
            moved, num_assigned = move_centroids(x, self.centroids.float(),
                                                 self.counts, self.momentum)
            self.centroids.copy_(moved)
            self.counts += num_assigned
        self.num_updates += 1

    def _fill_free_slots(self, x: Tensor,
                         generator: torch.Generator) -> Tensor:
        """Fill the free centroid slots with rows of ``x`` in a random
        order, each with a count of 1; returns the rows left over."""
        order = torch.randperm(
            x.size(0), generator=generator).to(
                x.device, non_blocking=True)
        x = x[order]
        num_fill = min(self.num_centroids - self._num_filled, x.size(0))
        start = self._num_filled
        self.centroids[start:start + num_fill] = x[:num_fill]
        self.counts[start:start + num_fill] = 1
        self.num_filled += num_fill
        self._num_filled += num_fill
        return x[num_fill:]

    def extra_repr(self) -> str:
        return (f'num_centroids={self.num_centroids}, '
                f'feat_dim={self.feat_dim}, bandwidth={self.bandwidth!r}, '
                f'balance={self.balance}, '
                f'random_bound={self.random_bound}, '
                f'log_noise={self.log_noise}, momentum={self.momentum}')
