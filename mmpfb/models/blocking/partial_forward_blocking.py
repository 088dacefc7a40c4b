# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB training step around a backbone, shared by every host model."""
import inspect
import logging
import math
from dataclasses import fields, replace
from typing import Dict, Iterable, Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor

from ..density import (AdaptiveDensityEstimator, DensitySettings,
                       pool_representation, smallest_in_batch_order)
from .batch_norm_utils import (frozen_norm_statistics,
                               has_single_sample_unsafe_norm)
from .blocking_result import BlockingResult
from .class_quota import keep_by_class_quota
from .device_timer import DeviceTimer
from .loss_memory import LossMemory
from .rare_or_hard import rare_or_hard_importance
from .selection_criterion import SelectionCriterion
from .shallow_grad_tuner import ShallowGradTuner
from .splitters import BaseSplitter, ShallowState, build_splitter
from .weighted_sampling import rarity_sample

SHALLOW_GRAD_MODES = ('auto', 'reuse', 'recompute')
#: Every ``criterion``: what it needs, and the method keeping by it.
SELECTION_CRITERIA: Dict[str, SelectionCriterion] = {
    'density': SelectionCriterion('keep_least_dense', takes_loss_memory=True),
    'random': SelectionCriterion('keep_random'),
    'typical': SelectionCriterion('keep_densest'),
    'sampled': SelectionCriterion('keep_sampled', weights_losses=True),
}
CRITERIA = tuple(SELECTION_CRITERIA)


class PartialForwardBlocking(nn.Module):
    """Partial Forward Blocking around a backbone (``docs/design.md`` 1).

    .. code:: text

        forward()
          ├─ draw K                          estimator.draw_keep_count()
          ├─ _forward_shallow()              all N (no_grad and no
          │                                  autocast cache: recompute)
          ├─ pool_representation()           x_i, float32, detached
          ├─ _select_and_learn()             timed by score_timer
          │    ├─ choose_kept(x, K)          SELECTION_CRITERIA[criterion]:
          │    │                             keep_least_dense, the K
          │    │                             smallest g_i (rare or hard
          │    │                             with the loss memory,
          │    │                             rare_or_hard_importance);
          │    │                             keep_random; keep_densest;
          │    │                             per class with class_quota;
          │    │                             'sampled': sample_kept(x, K),
          │    │                             the rarer the likelier, +
          │    │                             loss weights
          │    ├─ _to_host()                 finite flag + kept rows: the
          │    │                             one copy to the host
          │    └─ estimator.update(x[kept])  all-gathered when distributed
          ├─ _deep_input()                   kept rows of the shallow state
          │                                  (recompute: shallow on K)
          └─ splitter.forward_deep()         kept samples only

    Pruning happens only while enabled, with ``prune_ratio > 0`` and once
    the estimator's centroids are filled; otherwise every sample is kept,
    the backbone runs exactly its own ops in its own order, and the
    estimator still learns from every sample.

    Two ratios: :attr:`target_prune_ratio` is the configured one (the
    ``prune_ratio`` argument, ``pfb.prune_ratio`` in a config), which a
    schedule never changes; :attr:`prune_ratio` is the one in force now,
    which :meth:`set_pruning` (``PFBHook``'s schedule, e.g. its warm-up)
    sets. Both start at the configured value; neither is part of the
    ``state_dict``: a resumed run starts from the configured target and
    the schedule sets the current ratio again.

    Args:
        splitter (BaseSplitter): How the backbone is cut; see
            :func:`build_splitter`.
        channels (int): Channels of the scored feature; the estimator's
            ``feat_dim`` is capped to it.
        prune_ratio (float): Target fraction ``p`` of each batch to
            prune, in [0, 1): :attr:`target_prune_ratio`, and the
            starting :attr:`prune_ratio`. Defaults to 0.3.
        density (DensitySettings): The density estimator's settings.
            Defaults to ``DensitySettings()`` (the paper's).
        min_keep (int, optional): Fewest samples kept per batch (and
            process). None chooses 2 when a plain BatchNorm in training
            mode runs after the block, else 1. Defaults to None.
        shallow_grad (str): ``'reuse'`` indexes the kept rows out of the
            shallow forward over all N; ``'recompute'`` scores under
            ``no_grad`` and runs the shallow part again on the kept
            samples; ``'auto'`` times both during training and keeps the
            faster (:class:`ShallowGradTuner`, ``docs/design.md`` 1).
            Defaults to ``'auto'``.
        criterion (str): ``'density'`` (PFB) keeps the K least dense
            samples; ``'random'`` keeps K uniformly at random (the
            baseline, same blocking and same K; the estimator still
            learns); ``'typical'`` keeps the K densest (PFB's ranking
            reversed: the direction's ablation, ``docs/pfb_options.md``);
            ``'sampled'`` draws K at random, the rarer the likelier, and
            weights the kept samples' losses by their inverse keep
            probability (:meth:`sample_kept`; the host model must take
            loss weights). Defaults to ``'density'``.
        auto_trials (int): With ``shallow_grad='auto'``, timed training
            iterations per mode. Defaults to 5.
        auto_tolerance (float): With ``shallow_grad='auto'``, the change
            of ``prune_ratio`` after which both modes are timed again.
            Defaults to 0.1.
        class_quota (bool): Keep each class's share of the batch and
            choose by the criterion within each class
            (:func:`keep_by_class_quota`); :meth:`forward` then needs the
            samples' classes. Defaults to False.
        sampling_strength (float): With ``criterion='sampled'``, how
            much rarity raises a sample's keep probability: a sample
            ``z`` standard deviations of log density below the batch's
            mean (at most 2) is ``exp(strength * z)`` times as likely to
            be kept as an average one; 0 is uniform random pruning.
            Defaults to 1.0.
        loss_memory_weight (float): With a value ``w > 0`` (and
            ``criterion='density'``) keep the samples that are rare or
            hard: remember each trained sample's loss by its data set
            index (:class:`LossMemory`) and keep the K largest
            ``z(-log g)_i + w * z(log L_i)`` (standard scores over the
            batch; 0 for a sample without a loss yet;
            :func:`rare_or_hard_importance`); :meth:`forward` then needs
            the samples' indices. 0 is PFB's ranking without a memory.
            Defaults to 0.0.
        loss_memory_size (int, optional): With ``loss_memory_weight >
            0``, the training data set's length; None lets ``PFBHook``
            take it from the data set. Defaults to None.

    Attributes:
        target_prune_ratio (float): The configured ratio (read only).
        prune_ratio (float): The ratio in force now; pruning uses it.
        enabled (bool): Whether pruning is switched on.
    """

    def __init__(self,
                 splitter: BaseSplitter,
                 channels: int,
                 prune_ratio: float = 0.3,
                 density: DensitySettings = DensitySettings(),
                 min_keep: Optional[int] = None,
                 shallow_grad: str = 'auto',
                 criterion: str = 'density',
                 auto_trials: int = 5,
                 auto_tolerance: float = 0.1,
                 class_quota: bool = False,
                 sampling_strength: float = 1.0,
                 loss_memory_weight: float = 0.0,
                 loss_memory_size: Optional[int] = None) -> None:
        super().__init__()
        self._check_prune_ratio(prune_ratio)
        self._check_min_keep(min_keep)
        self._check_shallow_grad(shallow_grad, auto_trials, auto_tolerance)
        self._check_selection(criterion, class_quota, sampling_strength)
        self._check_loss_memory(loss_memory_weight, loss_memory_size,
                                criterion)
        self.splitter = splitter
        self.estimator = AdaptiveDensityEstimator(
            replace(density, feat_dim=min(density.feat_dim, channels)))
        self._target_prune_ratio = float(prune_ratio)
        self.prune_ratio = self._target_prune_ratio
        self.min_keep = min_keep
        self.shallow_grad = shallow_grad
        self.criterion = criterion
        self.class_quota = class_quota
        self.sampling_strength = float(sampling_strength)
        self.loss_memory_weight = float(loss_memory_weight)
        self.loss_memory = (
            LossMemory(loss_memory_size) if loss_memory_weight > 0 else None)
        self.shallow_grad_tuner = ShallowGradTuner(auto_trials,
                                                   float(auto_tolerance))
        self.score_timer = DeviceTimer()
        self.enabled = True
        self._warned_non_finite = False

    @classmethod
    def from_config(cls, backbone: nn.Module,
                    cfg: dict) -> 'PartialForwardBlocking':
        """Build from a model config's flat ``pfb`` dict.

        Args:
            backbone (nn.Module): The model's backbone.
            cfg (dict): ``block_stage`` (required), the keys of
                :class:`DensitySettings` and the other arguments of this
                class, e.g. ``dict(block_stage=3, prune_ratio=0.3,
                num_centroids=64)``.

        Returns:
            PartialForwardBlocking: The blocker.
        """
        if not isinstance(cfg, dict):
            raise TypeError('pfb must be a dict of PFB options, but got '
                            f'{cfg!r}')
        cfg = dict(cfg)
        if 'block_stage' not in cfg:
            raise ValueError('pfb needs block_stage (the last stage of the '
                             f'shallow part), but got {cfg!r}')
        unknown = sorted(set(cfg) - set(cls.option_names()))
        if unknown:
            raise ValueError(f'unknown pfb option(s) {unknown}; valid '
                             f'options: {list(cls.option_names())}')
        density_keys = {f.name for f in fields(DensitySettings)}
        density = DensitySettings(
            **{k: cfg.pop(k)
               for k in list(cfg) if k in density_keys})
        splitter = build_splitter(backbone, cfg.pop('block_stage'))
        return cls(
            splitter, splitter.channels(backbone), density=density, **cfg)

    @classmethod
    def option_names(cls) -> Tuple[str, ...]:
        """The keys a config's ``pfb`` dict may have, sorted:
        ``block_stage``, this class's arguments and the fields of
        :class:`DensitySettings`."""
        own = set(inspect.signature(cls).parameters) - {
            'splitter', 'channels', 'density'
        }
        density = {f.name for f in fields(DensitySettings)}
        return tuple(sorted(own | density | {'block_stage'}))

    @staticmethod
    def _check_prune_ratio(prune_ratio: float) -> None:
        if not isinstance(prune_ratio, (int, float)) or \
                not 0 <= prune_ratio < 1:
            raise ValueError(
                f'prune_ratio must be in [0, 1), but got {prune_ratio!r}')

    @staticmethod
    def _check_min_keep(min_keep: Optional[int]) -> None:
        if min_keep is not None and (not isinstance(min_keep, int)
                                     or min_keep < 1):
            raise ValueError('min_keep must be None or an int >= 1, '
                             f'but got {min_keep!r}')

    @staticmethod
    def _check_shallow_grad(mode: str, trials: int, tolerance: float) -> None:
        if mode not in SHALLOW_GRAD_MODES:
            raise ValueError(f'shallow_grad must be one of '
                             f'{SHALLOW_GRAD_MODES}, but got {mode!r}')
        if not isinstance(trials, int) or trials < 1:
            raise ValueError('auto_trials must be an int >= 1, but got '
                             f'{trials!r}')
        if not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 1:
            raise ValueError('auto_tolerance must be in [0, 1), but got '
                             f'{tolerance!r}')

    @staticmethod
    def _check_selection(criterion: str, class_quota: bool,
                         sampling_strength: float) -> None:
        if criterion not in SELECTION_CRITERIA:
            raise ValueError(f'criterion must be one of {CRITERIA}, '
                             f'but got {criterion!r}')
        if not isinstance(class_quota, bool):
            raise ValueError('class_quota must be a bool, but got '
                             f'{class_quota!r}')
        if class_quota and SELECTION_CRITERIA[criterion].weights_losses:
            raise ValueError('class_quota=True does not combine with '
                             f'criterion={criterion!r}')
        if not isinstance(sampling_strength,
                          (int, float)) or not sampling_strength >= 0:
            raise ValueError('sampling_strength must be a number >= 0, but '
                             f'got {sampling_strength!r}')

    @staticmethod
    def _check_loss_memory(weight: float, size: Optional[int],
                           criterion: str) -> None:
        if isinstance(weight, bool) or not isinstance(
                weight, (int, float)) or not 0 <= weight < math.inf:
            raise ValueError('loss_memory_weight must be a number >= 0, but '
                             f'got {weight!r}')
        if weight == 0 and size is not None:
            raise ValueError(
                f'loss_memory_size={size!r} sizes the loss memory, which '
                'is off: set loss_memory_weight > 0 to use it, or drop '
                'loss_memory_size')
        if weight > 0 and not SELECTION_CRITERIA[criterion].takes_loss_memory:
            takers = ' or '.join(
                repr(name) for name, spec in SELECTION_CRITERIA.items()
                if spec.takes_loss_memory)
            raise ValueError(
                f'loss_memory_weight={weight!r} combines with '
                f'criterion={takers} only, but got criterion={criterion!r}')

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
            self._check_prune_ratio(prune_ratio)
            self.prune_ratio = float(prune_ratio)
        if enabled is not None:
            self.enabled = bool(enabled)

    def resolve_shallow_grad(self) -> Optional[str]:
        """``'reuse'`` or ``'recompute'``: the fixed mode, or the one
        ``'auto'`` measured (None until it has)."""
        if self.shallow_grad == 'auto':
            return self.shallow_grad_tuner.choice
        return self.shallow_grad

    @property
    def pruning_active(self) -> bool:
        """Whether this step may prune: on, ``p > 0`` and the estimator
        ready. The same on every rank."""
        return (self.enabled and self.prune_ratio > 0
                and self.estimator.is_ready)

    def draw_keep_count(self, batch_size: int,
                        after_block: Iterable[nn.Module]) -> int:
        """How many of ``batch_size`` samples to keep this step."""
        if not self.pruning_active:
            return batch_size
        min_keep = self.min_keep
        if min_keep is None:
            min_keep = 2 if has_single_sample_unsafe_norm(after_block) else 1
        return self.estimator.draw_keep_count(batch_size, self.prune_ratio,
                                              min_keep)

    def forward(self,
                backbone: nn.Module,
                inputs: Tensor,
                after_block: Iterable[nn.Module] = (),
                classes: Optional[Tensor] = None,
                indices: Optional[Sequence[int]] = None) -> BlockingResult:
        """Run the backbone with PFB on a training batch.

        Args:
            backbone (nn.Module): The backbone given at construction.
            inputs (Tensor): The whole batch, ``(N, C, H, W)``.
            after_block (Iterable[nn.Module]): Modules that run on the
                kept samples besides the backbone's deep part (neck,
                heads), to choose ``min_keep``. Defaults to ().
            classes (Tensor, optional): Class id of each sample, (N,)
                int64 on the host; needed with ``class_quota``.
                Defaults to None.
            indices (Sequence[int], optional): Data set index of each
                sample; needed with ``loss_memory_weight > 0``.
                Defaults to None.

        Returns:
            BlockingResult: Kept features, kept rows and statistics.
        """
        batch_size = inputs.size(0)
        mode = self._step_shallow_grad(inputs.device)
        num_keep = self.draw_keep_count(
            batch_size, self._after_block(backbone, after_block))
        recompute = num_keep < batch_size and mode == 'recompute'
        state = self._forward_shallow(backbone, inputs, recompute)
        x = pool_representation(state.feature, self.estimator.feat_dim)
        self.score_timer.start(x.device)
        keep, keep_index, weights = self._select_and_learn(
            x, num_keep, classes, indices)
        self.score_timer.stop()
        state = self._deep_input(backbone, inputs, state, keep, recompute)
        return BlockingResult(
            feats=self.splitter.forward_deep(backbone, state),
            keep_index=keep_index,
            stats=self._stats(keep_index, batch_size),
            loss_weights=None if weights is None else weights.to(
                inputs.device, non_blocking=True))

    def _step_shallow_grad(self, device: torch.device) -> str:
        """This step's mode, ``'reuse'`` or ``'recompute'``; with
        ``'auto'`` one step of the tuner."""
        if self.shallow_grad != 'auto':
            return self.shallow_grad
        return self.shallow_grad_tuner.step(self.pruning_active,
                                            self.prune_ratio, device)

    def _forward_shallow(self, backbone: nn.Module, inputs: Tensor,
                         recompute: bool) -> ShallowState:
        """The shallow part on the whole batch; for ``recompute`` only to
        score: under ``no_grad``, leaving the norm statistics as they
        were and no autocast weight copies behind."""
        if not recompute:
            return self.splitter.forward_shallow(backbone, inputs)
        with torch.no_grad(), frozen_norm_statistics(
                self.splitter.shallow_modules(backbone)):
            state = self.splitter.forward_shallow(backbone, inputs)
        # Autocast caches its low-precision copies of the weights until
        # its region ends. torch releases without the fix of
        # pytorch#158232 (merged December 2025; torch 2.1 among them)
        # cache them under no_grad too, without autograd history, and
        # the recompute pass would reuse them: no gradient would reach
        # the shallow weights. Dropping the cache costs one cast per
        # shallow weight (docs/robustness.md).
        torch.clear_autocast_cache()
        return state

    def _select_and_learn(
        self, x: Tensor, num_keep: int, classes: Optional[Tensor],
        indices: Optional[Sequence[int]]
    ) -> Tuple[Optional[Tensor], Optional[list], Optional[Tensor]]:
        """Choose the kept rows, bring them to the host and let the
        estimator learn from them.

        A batch with non-finite features is not pruned and this process
        gives the estimator no rows (the other ranks still gather).

        Returns:
            tuple: The kept rows on ``x``'s device, the same as a list,
            and their loss weights (None: unweighted); all None when
            every row is kept.
        """
        keep, weights = self._choose_kept_and_weights(x, num_keep, classes,
                                                      indices)
        finite, keep_index = self._to_host(x, keep)
        if not finite:
            keep = keep_index = weights = None
            x = x[:0]
        elif keep is not None:
            x = x.index_select(0, keep)
        self.estimator.update(x)
        return keep, keep_index, weights

    def _choose_kept_and_weights(
        self, x: Tensor, num_keep: int, classes: Optional[Tensor],
        indices: Optional[Sequence[int]]
    ) -> Tuple[Optional[Tensor], Optional[Tensor]]:
        """The kept rows and their loss weights (None: unweighted);
        both None when all ``x.size(0)`` rows are kept."""
        if num_keep >= x.size(0):
            return None, None
        if self.selection_criterion.weights_losses:
            return self.sample_kept(x, num_keep)
        return self.choose_kept(x, num_keep, classes, indices), None

    def _deep_input(self, backbone: nn.Module, inputs: Tensor,
                    state: ShallowState, keep: Optional[Tensor],
                    recompute: bool) -> ShallowState:
        """What the deep part runs on: the kept rows of ``state``, or
        with ``recompute`` the shallow part run again, with gradients, on
        the kept inputs (all of them when every row is kept)."""
        if recompute:
            kept_inputs = inputs if keep is None else inputs.index_select(
                0, keep)
            return self.splitter.forward_shallow(backbone, kept_inputs)
        return state if keep is None else state.index_select(keep)

    def choose_kept(self,
                    x: Tensor,
                    num_keep: int,
                    classes: Optional[Tensor] = None,
                    indices: Optional[Sequence[int]] = None) -> Tensor:
        """Kept rows by the configured criterion.

        Args:
            x (Tensor): Pooled features of shape (N, D).
            num_keep (int): How many rows to keep.
            classes (Tensor, optional): Class id of each row, (N,) int64;
                needed with ``class_quota``. Defaults to None.
            indices (Sequence[int], optional): Data set index of each
                row; needed with ``loss_memory_weight > 0``.
                Defaults to None.

        Returns:
            Tensor: ``num_keep`` row indices, ascending, on ``x``'s device.
        """
        if self.class_quota and (classes is None
                                 or classes.numel() != x.size(0)):
            raise ValueError('class_quota=True needs the class of each of '
                             f'the {x.size(0)} samples, but got {classes!r}')
        keep_by = getattr(self, self.selection_criterion.keep_method)
        return keep_by(x, num_keep, classes, indices)

    @property
    def selection_criterion(self) -> SelectionCriterion:
        """What :attr:`criterion` needs, and the method keeping by it."""
        return SELECTION_CRITERIA[self.criterion]

    def keep_least_dense(self,
                         x: Tensor,
                         num_keep: int,
                         classes: Optional[Tensor] = None,
                         indices: Optional[Sequence[int]] = None) -> Tensor:
        """``'density'`` (PFB): the rows of the ``num_keep`` smallest
        rank scores ``g_i``; with the loss memory those of the largest
        :func:`rare_or_hard_importance`. Arguments and result as in
        :meth:`choose_kept`."""
        scores = self.estimator.rank_scores(x)
        if self.loss_memory is not None:
            scores = -self._rare_or_hard_importance(scores, indices)
        return self._keep_smallest(scores, num_keep, classes, x.device)

    def keep_densest(self,
                     x: Tensor,
                     num_keep: int,
                     classes: Optional[Tensor] = None,
                     indices: Optional[Sequence[int]] = None) -> Tensor:
        """``'typical'``: the rows of the ``num_keep`` largest rank
        scores (PFB's ranking reversed). Arguments and result as in
        :meth:`choose_kept`."""
        scores = -self.estimator.rank_scores(x)
        return self._keep_smallest(scores, num_keep, classes, x.device)

    def keep_random(self,
                    x: Tensor,
                    num_keep: int,
                    classes: Optional[Tensor] = None,
                    indices: Optional[Sequence[int]] = None) -> Tensor:
        """``'random'``: ``num_keep`` rows uniformly at random (per
        class: the smallest of uniform random scores), from the
        estimator's local generator. Arguments and result as in
        :meth:`choose_kept`."""
        generator = self.estimator.local_generator
        if self.class_quota:
            scores = torch.rand(x.size(0), generator=generator)
            return self._keep_smallest(scores, num_keep, classes, x.device)
        order = torch.randperm(x.size(0), generator=generator)
        return order[:num_keep].sort().values.to(x.device, non_blocking=True)

    def keep_sampled(self,
                     x: Tensor,
                     num_keep: int,
                     classes: Optional[Tensor] = None,
                     indices: Optional[Sequence[int]] = None) -> Tensor:
        """``'sampled'``: the rows of :meth:`sample_kept`, without their
        loss weights. Arguments and result as in :meth:`choose_kept`."""
        return self.sample_kept(x, num_keep)[0]

    def _keep_smallest(self, scores: Tensor, num_keep: int,
                       classes: Optional[Tensor],
                       device: torch.device) -> Tensor:
        """The rows of the ``num_keep`` smallest ``scores`` (ties: the
        first), ascending, on ``device``; with ``class_quota`` the
        smallest within each class (:func:`keep_by_class_quota`)."""
        if self.class_quota:
            return keep_by_class_quota(scores, classes, num_keep).to(device)
        return smallest_in_batch_order(scores, num_keep).to(device)

    def sample_kept(self, x: Tensor, num_keep: int) -> Tuple[Tensor, Tensor]:
        """Kept rows drawn by rarity, and their loss weights.

        See :func:`~mmpfb.models.blocking.weighted_sampling.rarity_sample`:
        the kept rows' mean loss, weighted, is an unbiased estimate of the
        whole batch's.

        Args:
            x (Tensor): Pooled features of shape (N, D).
            num_keep (int): How many rows to keep.

        Returns:
            tuple[Tensor, Tensor]: ``num_keep`` row indices, ascending, on
            ``x``'s device, and their float32 loss weights on the host.
        """
        # a batch with non-finite features is not pruned: it only has to
        # reach the host read that finds them (:meth:`_to_host`)
        log_density = self.estimator.log_density(x).nan_to_num(
            nan=0.0, posinf=0.0, neginf=0.0)
        keep, weights = rarity_sample(log_density, num_keep,
                                      self.sampling_strength,
                                      self.estimator.local_generator)
        return keep.to(x.device, non_blocking=True), weights

    def _rare_or_hard_importance(self, scores: Tensor,
                                 indices: Optional[Sequence[int]]) -> Tensor:
        """:func:`rare_or_hard_importance` of the rows of rank
        ``scores`` with the remembered losses of their data set
        ``indices``."""
        if indices is None or len(indices) != scores.size(0):
            raise ValueError(
                f'loss_memory_weight={self.loss_memory_weight} needs the '
                f'data set index of each of the {scores.size(0)} samples, '
                f'but got {indices!r}')
        return rare_or_hard_importance(scores,
                                       self.loss_memory.lookup(indices),
                                       self.loss_memory_weight,
                                       self.estimator.log_noise > 0)

    def summary(self) -> Dict[str, float]:
        """Scalars for the logs: the estimator's
        :meth:`~mmpfb.models.density.AdaptiveDensityEstimator.summary`,
        with the loss memory :meth:`LossMemory.summary`, with
        ``shallow_grad='auto'`` the measured mode and times
        (:meth:`ShallowGradTuner.summary`), and ``score_time``: the
        seconds the device spent choosing the kept samples and updating
        the estimator in the last step (:class:`DeviceTimer`).

        Each part is copied to the host at once, and on a GPU the
        ``score_time`` waits for that step's selection: call it when the
        logs are written, not every step.
        """
        out = self.estimator.summary()
        if self.loss_memory is not None:
            out.update(self.loss_memory.summary())
        if self.shallow_grad == 'auto':
            out.update(self.shallow_grad_tuner.summary())
        score_time = self.score_timer.seconds
        if score_time is not None:
            out['score_time'] = score_time
        return out

    def _after_block(self, backbone: nn.Module,
                     others: Iterable[nn.Module]) -> Iterator[nn.Module]:
        yield from self.splitter.deep_modules(backbone)
        for module in others:
            yield from module.modules()

    def _to_host(self, x: Tensor,
                 keep: Optional[Tensor]) -> Tuple[bool, Optional[list]]:
        """Whether ``x`` is all finite, and the kept rows as a list.

        Both come in one device-to-host copy: the step's only
        synchronisation with the device (the data samples to keep are
        Python objects).
        """
        flag = torch.isfinite(x).all().long().view(1)
        values = (flag if keep is None else torch.cat([flag, keep])).tolist()
        if not values[0] and not self._warned_non_finite:
            num_bad = int((~torch.isfinite(x)).sum())
            print_log(
                f'PFB: {num_bad} non-finite values in the pooled shallow '
                'features; such batches are not pruned and leave the '
                'density estimator unchanged (logged once).',
                logger='current',
                level=logging.WARNING)
            self._warned_non_finite = True
        return bool(values[0]), None if keep is None else values[1:]

    @staticmethod
    def _stats(keep_index: Optional[list],
               batch_size: int) -> Dict[str, Tensor]:
        num_keep = batch_size if keep_index is None else len(keep_index)
        # host values stay on the host: MMEngine reads every logged
        # variable back each iteration, which for a device tensor waits
        # for the device
        return dict(
            pfb_keep_num=torch.tensor(float(num_keep)),
            pfb_keep_ratio=torch.tensor(num_keep / batch_size))

    def extra_repr(self) -> str:
        return (f'block_stage={self.splitter.block_stage}, '
                f'prune_ratio={self.prune_ratio}, enabled={self.enabled}, '
                f'min_keep={self.min_keep}, '
                f'shallow_grad={self.shallow_grad!r}, '
                f'criterion={self.criterion!r}, '
                f'class_quota={self.class_quota}, '
                f'sampling_strength={self.sampling_strength}, '
                f'loss_memory_weight={self.loss_memory_weight}')
