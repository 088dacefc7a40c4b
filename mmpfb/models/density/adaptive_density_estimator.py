# Copyright (c) mmpfb contributors. All rights reserved.
"""Adaptive Distribution Estimation (ADE) of PFB, in plain torch."""
import functools
import logging
import math
from typing import Callable, Dict

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import Tensor

from .density_settings import DensitySettings


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def _rank() -> int:
    return dist.get_rank() if _distributed() else 0


def _world_size() -> int:
    return dist.get_world_size() if _distributed() else 1


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
    (Eq. 4, 5 and 9 of the paper), computed in log space throughout:

    .. code:: text

        log f(x) = logsumexp_j [log w_j - log N_C + log K_H(x - c_j)]
        log K_H(u) = -1/2 sum_d u_d^2 / h_d - 1/2 sum_d log(2 pi h_d)

    Dense (common) samples are unimportant. The ranking keeps the ``K``
    smallest ``g_i = exp(log f_i - max_k log f_k) + alpha_i`` with
    ``alpha_i ~ U(0, b)`` drawn per sample, which orders the samples as the
    paper's importance ``1 / (f_i + alpha_i max_k f_k)`` does. With
    ``log_noise = s > 0`` it keeps the smallest ``log f_i + s sd(log f)
    z_i`` instead, ``z_i ~ N(0, 1)``.

    Kept samples move their nearest centroid by the normalised form of
    Eq. 8 (the printed form is not a convex combination):

    .. code:: text

        c_j <- ((1 - beta) n_j c_j + (m + beta n_j) xbar_j) / (n_j + m)
        n_j <- n_j + m

    Until every centroid slot is filled nothing should be pruned
    (:attr:`is_ready` is False); the incoming samples fill the empty slots
    in a random order, each with a count of 1, and samples left over after
    the last slot is filled update the centroids as above.

    Under an initialised process group the kept features are all-gathered
    before the update, so every rank applies the same update and holds the
    same state. Draws that shape this shared state (the fill order) come
    from a generator that all ranks advance identically; per-rank draws
    (``alpha`` and the rounding draw of the kept count) come from a second
    one, seeded with the rank. Both generators live on the CPU; their
    states are saved in the module's ``state_dict`` as the uint8 buffers
    ``shared_generator_state`` and ``local_generator_states``, the latter
    with one row per rank: every :meth:`update` (each training step, on
    every rank) gathers the ranks' local states with the kept counts, so
    the state_dict that rank 0 saves holds all of them (nothing draws
    from a local generator between a step's update and the next step).
    Loading restores each rank's own row; a checkpoint of another number
    of ranks logs a warning, and ranks it lacks keep their seeded state.
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

        seed = settings.seed
        if seed is None:
            seed = torch.initial_seed()
        self._seed = seed
        self.shared_generator = torch.Generator().manual_seed(seed)
        self.local_generator = self._seeded_local_generator(_rank())
        self._shared_generator_synced = False
        self.register_buffer('shared_generator_state',
                             self.shared_generator.get_state())
        # row r: rank r's local generator state (each rank's seeded
        # state until the first update gathers them)
        self.register_buffer(
            'local_generator_states',
            torch.stack([
                self._seeded_local_generator(r).get_state()
                for r in range(_world_size())
            ]))

    # ------------------------------------------------------------------
    # state
    @property
    def is_ready(self) -> bool:
        """Whether every centroid slot is filled, so pruning may start."""
        return self._num_filled == self.num_centroids

    def _seeded_local_generator(self, rank: int) -> torch.Generator:
        return torch.Generator().manual_seed(self._seed + 1 + rank)

    #: The attributes that hold a ``torch.Generator``.
    GENERATORS = ('shared_generator', 'local_generator')

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

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        # the generators' states travel as uint8 buffers: every value of
        # a state_dict must be a tensor (MMEngine broadcasts them all).
        # Other ranks' rows are as of the last update; this rank's is now.
        device = self.centroids.device
        self.shared_generator_state = self.shared_generator.get_state().to(
            device)
        rank = _rank()
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
            self.local_generator_states = torch.empty_like(saved).to(
                self.local_generator_states.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._num_filled = int(self.num_filled)
        if prefix + 'shared_generator_state' in state_dict:
            self.shared_generator.set_state(self.shared_generator_state.cpu())
            self._shared_generator_synced = False
        if saved is not None:
            self._restore_local_generators(saved.cpu(), key)

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
        num_saved, world_size = saved.size(0), _world_size()
        if num_saved != world_size:
            print_log(
                f'PFB: {key} holds the local generator states of '
                f'{num_saved} process(es), this run has {world_size}: ranks '
                f'below {min(num_saved, world_size)} restore theirs, the '
                'others start from their seeded states; the run does not '
                'continue exactly.',
                logger='current',
                level=logging.WARNING)
        rows = torch.stack([
            saved[r]
            if r < num_saved else self._seeded_local_generator(r).get_state()
            for r in range(world_size)
        ])
        self.local_generator.set_state(rows[_rank()].clone())
        self.local_generator_states = rows.to(
            self.local_generator_states.device)

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
        out = dict(
            num_filled=float(num_filled), num_updates=float(self.num_updates))
        if num_filled > 0:
            counts = self.counts[:num_filled].float()
            weights = counts / counts.sum()
            entropy = -(weights * weights.clamp_min(1e-12).log()).sum()
            out.update(
                effective_centroids=float(entropy.exp()),
                max_weight=float(weights.max()),
                bandwidth=float(self.bandwidth_diag().sqrt().mean()))
        return out

    # ------------------------------------------------------------------
    # density
    def bandwidth_diag(self) -> Tensor:
        """The diagonal ``h_d`` of the bandwidth matrix ``H``, float32."""
        centroids = self.centroids[:self._num_filled].float()
        dim = self.feat_dim
        if self.bandwidth == 'identity':
            return centroids.new_ones(dim)
        num = centroids.size(0)
        sigma = centroids.std(dim=0, unbiased=num > 1).clamp_min(self.eps)
        if self.bandwidth == 'silverman':
            factor = (4.0 / ((dim + 2) * num))**(1.0 / (dim + 4))
        else:  # scott
            factor = num**(-1.0 / (dim + 4))
        return (factor * sigma)**2

    def log_weights(self) -> Tensor:
        """``log w_j`` of the filled centroids, float32."""
        counts = self.counts[:self._num_filled].float()
        if not self.balance:
            return torch.zeros_like(counts)
        return counts.log() - counts.sum().log()

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
        x = x.float()
        h = self.bandwidth_diag()
        scale = h.rsqrt()
        # whitening first keeps the distances well scaled at any feature
        # magnitude; the direct form avoids cdist's matmul shortcut, which
        # cancels catastrophically for near-identical rows
        dist2 = torch.cdist(
            x * scale,
            self.centroids[:self._num_filled].float() * scale,
            compute_mode='donot_use_mm_for_euclid_dist').square()
        log_norm = -0.5 * (torch.log(2 * math.pi * h)).sum()
        log_kernel = -0.5 * dist2 + log_norm
        log_terms = (
            self.log_weights() - math.log(self.num_centroids) + log_kernel)
        return torch.logsumexp(log_terms, dim=1)

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
        if self.log_noise > 0:
            z = torch.randn(x.size(0), generator=self.local_generator)
            spread = log_f.std(correction=0)
            return log_f + self.log_noise * spread * z.to(
                log_f.device, non_blocking=True)
        alpha = torch.rand(
            x.size(0), generator=self.local_generator) * self.random_bound
        # a host-to-device copy from pageable memory may be non-blocking:
        # CUDA stages the source at once
        return (log_f - log_f.max()).exp() + alpha.to(
            log_f.device, non_blocking=True)

    def select(self,
               x: Tensor,
               num_keep: int,
               least_important: bool = False) -> Tensor:
        """Indices of the ``num_keep`` most important rows of ``x``.

        Args:
            x (Tensor): Pooled features of shape (N, D).
            num_keep (int): How many rows to keep.
            least_important (bool): Keep the ``num_keep`` least important
                (densest) rows instead. Defaults to False.

        Returns:
            Tensor: Kept row indices in ascending order, on ``x``'s device.
        """
        scores = self.rank_scores(x)
        if least_important:
            scores = -scores
        order = torch.sort(scores, stable=True).indices
        return order[:num_keep].sort().values

    def draw_keep_count(self, batch_size: int, prune_ratio: float,
                        min_keep: int) -> int:
        """``K = floor((1 - p) N + u)``, ``u ~ U(0, 1)``, clamped to
        ``[min(min_keep, N), N]``; its mean is exactly ``(1 - p) N``."""
        u = torch.rand((), generator=self.local_generator).item()
        num_keep = math.floor((1 - prune_ratio) * batch_size + u)
        return max(min(min_keep, batch_size), min(num_keep, batch_size))

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
        num_free = self.num_centroids - self._num_filled
        if num_free > 0:
            order = torch.randperm(
                x.size(0), generator=self.shared_generator).to(
                    x.device, non_blocking=True)
            x = x[order]
            num_fill = min(num_free, x.size(0))
            start = self._num_filled
            self.centroids[start:start + num_fill] = x[:num_fill]
            self.counts[start:start + num_fill] = 1
            self.num_filled += num_fill
            self._num_filled += num_fill
            x = x[num_fill:]
        if x.size(0) > 0:
            self._move_centroids(x)
        self.num_updates += 1

    def _move_centroids(self, x: Tensor) -> None:
        """Assign ``x`` to its nearest centroids and move them (Eq. 7-8)."""
        centroids = self.centroids.float()
        assign = torch.cdist(
            x, centroids,
            compute_mode='donot_use_mm_for_euclid_dist').argmin(dim=1)
        # one-hot products instead of index_add_/bincount: deterministic on
        # CUDA too, and one batched op
        onehot = F.one_hot(assign, self.num_centroids).to(x.dtype)
        sums = onehot.t() @ x
        num_assigned = onehot.sum(dim=0).long()
        m = num_assigned.to(centroids.dtype).unsqueeze(1)
        n = self.counts.to(centroids.dtype).unsqueeze(1)
        xbar = sums / m.clamp_min(1)
        beta = self.momentum
        moved = ((1 - beta) * n * centroids +
                 (m + beta * n) * xbar) / (n + m).clamp_min(1)
        self.centroids.copy_(torch.where(m > 0, moved, centroids))
        self.counts += num_assigned

    def _gather(self, x: Tensor) -> Tensor:
        """All-gather rows of different counts; no-op without a group.

        The row counts travel with the ranks' local generator states, which
        land in ``local_generator_states`` (on the device; read only when
        saved).
        """
        if not _distributed():
            return x
        if not self._shared_generator_synced:
            self._sync_shared_generator(x.device)
        world_size = dist.get_world_size()
        count = torch.tensor([x.size(0)]).view(torch.uint8)
        packet = torch.cat([count, self.local_generator.get_state()]).to(
            x.device, non_blocking=True)
        packets = [torch.empty_like(packet) for _ in range(world_size)]
        dist.all_gather(packets, packet)
        packets = torch.stack(packets)
        self.local_generator_states = packets[:, count.numel():].to(
            self.local_generator_states.device)
        sizes = packets[:, :count.numel()].contiguous().view(
            torch.long).view(-1).tolist()
        padded = x.new_zeros(max(sizes), x.size(1))
        padded[:x.size(0)] = x
        chunks = [torch.empty_like(padded) for _ in range(world_size)]
        dist.all_gather(chunks, padded)
        return torch.cat([c[:s] for c, s in zip(chunks, sizes)])

    def _sync_shared_generator(self, device: torch.device) -> None:
        """Start every rank's shared generator from rank 0's state."""
        state = self.shared_generator.get_state().to(device)
        dist.broadcast(state, src=0)
        self.shared_generator.set_state(state.cpu())
        self._shared_generator_synced = True

    def extra_repr(self) -> str:
        return (f'num_centroids={self.num_centroids}, '
                f'feat_dim={self.feat_dim}, bandwidth={self.bandwidth!r}, '
                f'balance={self.balance}, '
                f'random_bound={self.random_bound}, '
                f'log_noise={self.log_noise}, momentum={self.momentum}')
