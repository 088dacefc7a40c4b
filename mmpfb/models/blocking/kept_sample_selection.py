# Copyright (c) mmpfb contributors. All rights reserved.
"""Which samples of a batch the PFB step keeps."""
import logging
from dataclasses import replace
from typing import Iterable, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor

from ..density import AdaptiveDensityEstimator, DensitySettings, keep_count
from .batch_norm_utils import has_single_sample_unsafe_norm
from .blocking_options import check_prune_ratio
from .blocking_result import finite_and_kept_on_host
from .loss_memory import LossMemory
from .random_streams import RandomStreams
from .selection_criteria import SELECTION_CRITERIA, Selection, SelectionBatch


class KeptSampleSelection(nn.Module):
    """The selection half of the PFB step: the pruning switch and ratio,
    the kept count, the criterion, the density estimator that learns
    from the kept samples, the loss memory and the random streams every
    draw comes from. :class:`~.partial_forward_blocking.
    PartialForwardBlocking` adds the backbone around it.

    Pruning happens only while enabled, with ``prune_ratio > 0`` and once
    the estimator's centroids are filled (:attr:`pruning_active`).

    Two ratios: :attr:`target_prune_ratio` is the configured one (the
    ``prune_ratio`` argument, ``pfb.prune_ratio`` in a config), which a
    schedule never changes; :attr:`prune_ratio` is the one in force now,
    which :meth:`set_pruning` (``PFBHook``'s schedule, e.g. its warm-up)
    sets. Both start at the configured value; neither is part of the
    ``state_dict``: a resumed run starts from the configured target and
    the schedule sets the current ratio again.

    Args:
        channels (int): Channels of the scored feature; the estimator's
            ``feat_dim`` is capped to it.
        prune_ratio (float): The target ``p``, in [0, 1).
        density (DensitySettings): The density estimator's settings.
        min_keep (int, optional): Fewest samples kept per batch; None
            chooses by the modules after the block.
        criterion (str): A name in :data:`SELECTION_CRITERIA`.
        class_quota (bool): Choose within each class's share.
        sampling_strength (float): For ``criterion='sampled'``.
        loss_memory_weight (float): ``w`` of the loss memory; 0: none.
        loss_memory_size (int, optional): The loss memory's length.

    The arguments are those of
    :class:`~.partial_forward_blocking.PartialForwardBlocking`, which
    checks and documents them.

    Attributes:
        target_prune_ratio (float): The configured ratio (read only).
        prune_ratio (float): The ratio in force now; pruning uses it.
        enabled (bool): Whether pruning is switched on.
    """

    def __init__(self, channels: int, prune_ratio: float,
                 density: DensitySettings, min_keep: Optional[int],
                 criterion: str, class_quota: bool, sampling_strength: float,
                 loss_memory_weight: float,
                 loss_memory_size: Optional[int]) -> None:
        super().__init__()
        self.estimator = AdaptiveDensityEstimator(
            replace(density, feat_dim=min(density.feat_dim, channels)))
        self.random_streams = RandomStreams(density.seed)
        self._target_prune_ratio = float(prune_ratio)
        self.prune_ratio = self._target_prune_ratio
        self.min_keep = min_keep
        self.criterion = criterion
        self.class_quota = class_quota
        self.sampling_strength = float(sampling_strength)
        self.loss_memory_weight = float(loss_memory_weight)
        self.loss_memory = (
            LossMemory(loss_memory_size) if loss_memory_weight > 0 else None)
        self.enabled = True
        self._warned_non_finite = False

    @property
    def target_prune_ratio(self) -> float:
        """The configured ratio (``pfb.prune_ratio``); a schedule
        changes :attr:`prune_ratio` only."""
        return self._target_prune_ratio

    def set_pruning(self,
                    enabled: Optional[bool] = None,
                    prune_ratio: Optional[float] = None) -> None:
        """Switch pruning on or off and/or set the ratio in force, at run
        time; :attr:`target_prune_ratio` stays.

        Args:
            enabled (bool, optional): Prune from the next step on. None
                leaves it as it is. Defaults to None.
            prune_ratio (float, optional): New current ``p`` in [0, 1).
                None leaves it as it is. Defaults to None.
        """
        if prune_ratio is not None:
            check_prune_ratio(prune_ratio)
            self.prune_ratio = float(prune_ratio)
        if enabled is not None:
            self.enabled = bool(enabled)

    @property
    def pruning_active(self) -> bool:
        """Whether this step may prune: on, ``p > 0`` and the estimator
        ready. The same on every rank."""
        return (self.enabled and self.prune_ratio > 0
                and self.estimator.is_ready)

    def draw_keep_count(self, batch_size: int,
                        after_block: Iterable[nn.Module]) -> int:
        """How many of ``batch_size`` samples to keep this step:
        ``K = floor((1 - p) N + u)``, ``u ~ U(0, 1)`` from the local
        stream, clamped to ``[min(min_keep, N), N]``
        (:func:`~mmpfb.models.density.keep_count`); ``N`` while pruning
        is not active.

        Args:
            batch_size (int): ``N``.
            after_block (Iterable[nn.Module]): Every module that runs on
                the kept samples only (the blocker's
                ``kept_sample_modules``); with ``min_keep=None`` a plain
                BatchNorm in training mode among them makes it 2.

        Returns:
            int: ``K``.
        """
        if not self.pruning_active:
            return batch_size
        min_keep = self.min_keep
        if min_keep is None:
            min_keep = 2 if has_single_sample_unsafe_norm(after_block) else 1
        u = torch.rand((), generator=self.random_streams.local).item()
        return keep_count(batch_size, self.prune_ratio, min_keep, u)

    def select_and_learn(
        self,
        x: Tensor,
        num_keep: int,
        classes: Optional[Tensor] = None,
        indices: Optional[Sequence[int]] = None
    ) -> Tuple[Optional[Tensor], Optional[list], Optional[Tensor]]:
        """Choose the kept rows, bring them to the host and let the
        estimator learn from them: the step's selection, for the tools
        too.

        A batch with non-finite features is not pruned and this process
        gives the estimator no rows (the other ranks still gather).

        Args:
            x (Tensor): Pooled features of shape (N, D).
            num_keep (int): ``K`` (:meth:`draw_keep_count`); ``N`` keeps
                every row.
            classes (Tensor, optional): As in :meth:`choose_kept`.
                Defaults to None.
            indices (Sequence[int], optional): As in :meth:`choose_kept`.
                Defaults to None.

        Returns:
            tuple: The kept rows on ``x``'s device, the same as a list,
            and their loss weights (None: unweighted); all None when
            every row is kept.
        """
        keep = weights = None
        if num_keep < x.size(0):
            keep, weights = self.choose_kept(x, num_keep, classes, indices)
        finite, keep_index = self._to_host(x, keep)
        if not finite:
            keep = keep_index = weights = None
            x = x[:0]
        elif keep is not None:
            x = x.index_select(0, keep)
        self.learn(x)
        return keep, keep_index, weights

    def learn(self, x: Tensor) -> None:
        """Let the estimator absorb the kept features ``x`` of this
        process and, under a process group, of every other (the step's
        collective)."""
        self.estimator.update(
            self.random_streams.gather_rows(x.detach().float()),
            self.random_streams.shared)

    def choose_kept(self,
                    x: Tensor,
                    num_keep: int,
                    classes: Optional[Tensor] = None,
                    indices: Optional[Sequence[int]] = None) -> Selection:
        """The kept rows by the configured criterion
        (:data:`SELECTION_CRITERIA`), and their loss weights.

        Args:
            x (Tensor): Pooled features of shape (N, D).
            num_keep (int): How many rows to keep, in [1, N).
            classes (Tensor, optional): Class id of each row, (N,) int64;
                needed with ``class_quota``. Defaults to None.
            indices (Sequence[int], optional): Data set index of each
                row; needed with ``loss_memory_weight > 0``.
                Defaults to None.

        Returns:
            Selection: ``num_keep`` row indices, ascending, on ``x``'s
            device, and their loss weights (None: unweighted).
        """
        if self.class_quota and (classes is None
                                 or classes.numel() != x.size(0)):
            raise ValueError('class_quota=True needs the class of each of '
                             f'the {x.size(0)} samples, but got {classes!r}')
        batch = SelectionBatch(
            x,
            num_keep,
            self.estimator,
            self.random_streams.local,
            classes=classes if self.class_quota else None,
            remembered=self._remembered_losses(indices, x.size(0)),
            loss_memory_weight=self.loss_memory_weight,
            sampling_strength=self.sampling_strength)
        return SELECTION_CRITERIA[self.criterion].choose(batch)

    def _remembered_losses(self, indices: Optional[Sequence[int]],
                           batch_size: int) -> Optional[Tensor]:
        """The loss memory's losses of the samples at data set
        ``indices``; None without a loss memory."""
        if self.loss_memory is None:
            return None
        if indices is None or len(indices) != batch_size:
            raise ValueError(
                f'loss_memory_weight={self.loss_memory_weight} needs the '
                f'data set index of each of the {batch_size} samples, '
                f'but got {indices!r}')
        return self.loss_memory.lookup(indices)

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        # checkpoints of versions whose estimator held the generators
        for name in RandomStreams.STATE_KEYS:
            old = f'{prefix}estimator.{name}'
            if old in state_dict:
                state_dict[f'{prefix}random_streams.{name}'] = \
                    state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _to_host(self, x: Tensor,
                 keep: Optional[Tensor]) -> Tuple[bool, Optional[list]]:
        """Whether ``x`` is all finite, and the kept rows as a list, in
        one copy (:func:`finite_and_kept_on_host`); warns once of a
        non-finite batch."""
        finite, keep_index = finite_and_kept_on_host(x, keep)
        if not finite and not self._warned_non_finite:
            num_bad = int((~torch.isfinite(x)).sum())
            print_log(
                f'PFB: {num_bad} non-finite values in the pooled shallow '
                'features; such batches are not pruned and leave the '
                'density estimator unchanged (logged once).',
                logger='current',
                level=logging.WARNING)
            self._warned_non_finite = True
        return finite, keep_index
