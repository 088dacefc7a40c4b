# Copyright (c) mmpfb contributors. All rights reserved.
"""Adaptive Distribution Estimation (ADE) of PFB, in plain torch."""
import functools
import logging
from typing import Callable, Dict

import torch
import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor

from mmpfb.utils.generator_state import rank_states_to_restore
from mmpfb.utils.loaded_state import empty_buffer_like, generator_state_on_host
from .centroid_update import move_centroids
from .density_settings import DensitySettings
from .distributed import (all_gather_rows, broadcast_generator_state,
                          dist_rank, dist_world_size, is_distributed)
from .importance_ranking import (keep_count, noisy_log_density_scores,
                                 relative_density_scores,
                                 smallest_in_batch_order)
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

    This class owns the state (buffers, generators, checkpoints, the
    collectives) and calls the math of those modules. Under an initialised
    process group the kept features are all-gathered before the update,
    so every rank applies the same update and holds the same state. Draws
    that shape this shared state (the fill order) come from a generator
    that all ranks advance identically; per-rank draws (``alpha`` and the
    rounding draw of the kept count) come from a second one, seeded with
    the rank. Both generators live on the CPU; their states are saved in
    the module's ``state_dict`` as the uint8 buffers
    ``shared_generator_state`` and ``local_generator_states``, the latter
    with one row per rank: every :meth:`update` (each training step, on
    every rank) gathers the ranks' local states with the kept counts, so
    the state_dict that rank 0 saves holds all of them (nothing draws
    from a local generator between a step's update and the next step).
    Loading restores each rank's own row; a checkpoint of another number
    of ranks logs a warning, and ranks it lacks keep their seeded state
    (:func:`~mmpfb.utils.generator_state.rank_states_to_restore`).
    Loading centroids of another shape (``num_centroids`` or
    ``feat_dim``) raises an error naming both shapes.

    Scoring and updating run in float32 with autocast off, so a
    mixed-precision forward leaves the estimator's arithmetic unchanged.

    Args:
        settings (DensitySettings): The estimator's settings.
            Defaults to ``DensitySettings()`` (the paper's).
    """

    #: The attributes that hold a ``torch.Generator``.
    GENERATORS = ('shared_generator', 'local_generator')

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
        self._init_generators(settings.seed)

    # ------------------------------------------------------------------
    # generators
    def _init_generators(self, seed) -> None:
        """Seed the shared and the local generator and register their
        states' buffers."""
        if seed is None:
            seed = torch.initial_seed()
        self._seed = seed
        self.shared_generator = torch.Generator().manual_seed(seed)
        self.local_generator = self._seeded_local_generator(dist_rank())
        self._shared_generator_synced = False
        self.register_buffer('shared_generator_state',
                             self.shared_generator.get_state())
        # row r: rank r's local generator state (each rank's seeded
        # state until the first update gathers them)
        self.register_buffer(
            'local_generator_states',
            torch.stack([
                self._seeded_local_generator(r).get_state()
                for r in range(dist_world_size())
            ]))

    def _seeded_local_generator(self, rank: int) -> torch.Generator:
        return torch.Generator().manual_seed(self._seed + 1 + rank)

    def __getstate__(self) -> dict:
        # torch 2.1 can neither pickle nor deep-copy a torch.Generator
        # (copy.deepcopy of a model, spawned processes): the copy carries
        # each generator's state and builds its own
        state = dict(super().__getstate__())
        for name in self.GENERATORS:
            state[name] = state[name].get_state()
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for name in self.GENERATORS:
            generator = torch.Generator()
            generator.set_state(state[name])
            state[name] = generator
        super().__setstate__(state)

    # ------------------------------------------------------------------
    # checkpoints
    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        # the generators' states travel as uint8 buffers: every value of
        # a state_dict must be a tensor (MMEngine broadcasts them all).
        # Other ranks' rows are as of the last update; this rank's is now.
        device = self.centroids.device
        self.shared_generator_state = self.shared_generator.get_state().to(
            device)
        rank = dist_rank()
        if rank < self.local_generator_states.size(0):
            self.local_generator_states[rank] = \
                self.local_generator.get_state().to(device)
        super()._save_to_state_dict(destination, prefix, keep_vars)

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
        key = prefix + 'local_generator_states'
        saved = state_dict.get(key)
        if saved is not None:
            # the number of rows is the saving run's world size
            self.local_generator_states = empty_buffer_like(
                saved, self.local_generator_states)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._num_filled = int(self.num_filled)
        if prefix + 'shared_generator_state' in state_dict:
            self.shared_generator.set_state(
                generator_state_on_host(self.shared_generator_state))
            self._shared_generator_synced = False
        if saved is not None:
            self._restore_local_generators(saved, key)

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

    def _restore_local_generators(self, saved: Tensor, key: str) -> None:
        """Each rank takes its own row; rows the checkpoint lacks are the
        seeded states."""
        rows = rank_states_to_restore(
            saved, f'PFB: {key} holds the local generator states',
            dist_world_size())
        rows = [
            self._seeded_local_generator(r).get_state() if row is None else row
            for r, row in enumerate(rows)
        ]
        self.local_generator.set_state(rows[dist_rank()])
        self.local_generator_states = torch.stack(rows).to(
            self.local_generator_states.device)

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

    def rank_scores(self, x: Tensor) -> Tensor:
        """``g_i``: density relative to the batch's densest sample, plus
        the per-sample random term; with ``log_noise`` the log density
        plus a Gaussian term scaled by the batch's spread. Smaller is more
        important.

        Args:
            x (Tensor): Pooled features of shape (N, D).

        Returns:
            Tensor: float32 scores of shape (N,).
        """
        log_f = self.log_density(x)
        # a host-to-device copy from pageable memory may be non-blocking:
        # CUDA stages the source at once
        if self.log_noise > 0:
            z = torch.randn(x.size(0), generator=self.local_generator)
            return noisy_log_density_scores(
                log_f, z.to(log_f.device, non_blocking=True), self.log_noise)
        alpha = torch.rand(
            x.size(0), generator=self.local_generator) * self.random_bound
        return relative_density_scores(
            log_f, alpha.to(log_f.device, non_blocking=True))

    def select(self, x: Tensor, num_keep: int) -> Tensor:
        """Indices of the ``num_keep`` most important rows of ``x``: those
        of the smallest :meth:`rank_scores`. The other selection criteria
        are :class:`~mmpfb.models.blocking.PartialForwardBlocking`'s.

        Args:
            x (Tensor): Pooled features of shape (N, D).
            num_keep (int): How many rows to keep.

        Returns:
            Tensor: Kept row indices in ascending order, on ``x``'s device.
        """
        return smallest_in_batch_order(self.rank_scores(x), num_keep)

    def draw_keep_count(self, batch_size: int, prune_ratio: float,
                        min_keep: int) -> int:
        """``K = floor((1 - p) N + u)``, ``u ~ U(0, 1)``, clamped to
        ``[min(min_keep, N), N]``; its mean is exactly ``(1 - p) N``."""
        u = torch.rand((), generator=self.local_generator).item()
        return keep_count(batch_size, prune_ratio, min_keep, u)

    # ------------------------------------------------------------------
    # update
    @torch.no_grad()
    @_full_precision
    def update(self, x: Tensor) -> None:
        """Absorb the kept features (of every rank when distributed).

        Without any row (over all ranks) the state is left as it is.

        Args:
            x (Tensor): Kept pooled features of shape (M, D).
        """
        x = self._gather(x.detach().float())
        if x.size(0) == 0:
            return
        if self._num_filled < self.num_centroids:
            x = self._fill_free_slots(x)
        if x.size(0) > 0:
            moved, num_assigned = move_centroids(x, self.centroids.float(),
                                                 self.counts, self.momentum)
            self.centroids.copy_(moved)
            self.counts += num_assigned
        self.num_updates += 1

    def _fill_free_slots(self, x: Tensor) -> Tensor:
        """Fill the free centroid slots with rows of ``x`` in a random
        order, each with a count of 1; returns the rows left over."""
        order = torch.randperm(
            x.size(0), generator=self.shared_generator).to(
                x.device, non_blocking=True)
        x = x[order]
        num_fill = min(self.num_centroids - self._num_filled, x.size(0))
        start = self._num_filled
        self.centroids[start:start + num_fill] = x[:num_fill]
        self.counts[start:start + num_fill] = 1
        self.num_filled += num_fill
        self._num_filled += num_fill
        return x[num_fill:]

    def _gather(self, x: Tensor) -> Tensor:
        """All-gather rows of different counts; no-op without a group.

        The ranks' local generator states travel with the row counts and
        land in ``local_generator_states`` (on the device; read only when
        saved).
        """
        if not is_distributed():
            return x
        if not self._shared_generator_synced:
            # every rank's shared generator starts from rank 0's state
            broadcast_generator_state(self.shared_generator, x.device)
            self._shared_generator_synced = True
        rows, states = all_gather_rows(x, self.local_generator.get_state())
        self.local_generator_states = states.to(
            self.local_generator_states.device)
        return rows

    def extra_repr(self) -> str:
        return (f'num_centroids={self.num_centroids}, '
                f'feat_dim={self.feat_dim}, bandwidth={self.bandwidth!r}, '
                f'balance={self.balance}, '
                f'random_bound={self.random_bound}, '
                f'log_noise={self.log_noise}, momentum={self.momentum}')
