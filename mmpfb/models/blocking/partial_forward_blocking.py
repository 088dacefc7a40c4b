# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB training step around a backbone, shared by every host model."""
import inspect
import logging
import math
import time
from dataclasses import fields, replace
from typing import Dict, Iterable, Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from torch import Tensor

from ..density import (AdaptiveDensityEstimator, DensitySettings,
                       pool_representation)
from .batch_norm_utils import (frozen_norm_statistics,
                               has_single_sample_unsafe_norm)
from .blocking_result import BlockingResult
from .class_quota import keep_by_class_quota
from .loss_memory import LossMemory
from .rare_or_hard import rare_or_hard_importance
from .shallow_grad_tuner import ShallowGradTuner
from .splitters import BaseSplitter, build_splitter
from .weighted_sampling import rarity_sample

SHALLOW_GRAD_MODES = ('auto', 'reuse', 'recompute')
CRITERIA = ('density', 'random', 'typical', 'sampled')


class PartialForwardBlocking(nn.Module):
    """Partial Forward Blocking around a backbone (``docs/design.md`` 1).

    .. code:: text

        forward()
          ├─ draw K                          estimator.draw_keep_count()
          ├─ splitter.forward_shallow()      all N (no_grad: recompute)
          ├─ pool_representation()           x_i, float32, detached
          ├─ choose_kept(x, K)               the K smallest g_i (or random,
          │                                  or the K largest; per class
          │                                  with class_quota; rare or
          │                                  hard with the loss memory,
          │                                  rare_or_hard_importance);
          │                                  'sampled':
          │                                  sample_kept(x, K), the rarer
          │                                  the likelier, + loss weights
          ├─ _to_host()                      finite flag + kept rows: the
          │                                  one copy to the host
          ├─ estimator.update(x[kept])       all-gathered when distributed
          ├─ kept rows of the shallow state  (recompute: shallow on K)
          └─ splitter.forward_deep()         kept samples only

    Pruning happens only while enabled, with ``prune_ratio > 0`` and once
    the estimator's centroids are filled; otherwise every sample is kept,
    the backbone runs exactly its own ops in its own order, and the
    estimator still learns from every sample.

    Args:
        splitter (BaseSplitter): How the backbone is cut; see
            :func:`build_splitter`.
        channels (int): Channels of the scored feature; the estimator's
            ``feat_dim`` is capped to it.
        prune_ratio (float): Fraction ``p`` of each batch to prune, in
            [0, 1). Defaults to 0.3.
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
        if min_keep is not None and (not isinstance(min_keep, int)
                                     or min_keep < 1):
            raise ValueError('min_keep must be None or an int >= 1, '
                             f'but got {min_keep!r}')
        if criterion not in CRITERIA:
            raise ValueError(f'criterion must be one of {CRITERIA}, '
                             f'but got {criterion!r}')
        if shallow_grad not in SHALLOW_GRAD_MODES:
            raise ValueError(f'shallow_grad must be one of '
                             f'{SHALLOW_GRAD_MODES}, but got {shallow_grad!r}')
        if not isinstance(auto_trials, int) or auto_trials < 1:
            raise ValueError('auto_trials must be an int >= 1, but got '
                             f'{auto_trials!r}')
        if not isinstance(auto_tolerance,
                          (int, float)) or not 0 <= auto_tolerance < 1:
            raise ValueError('auto_tolerance must be in [0, 1), but got '
                             f'{auto_tolerance!r}')
        if not isinstance(class_quota, bool):
            raise ValueError('class_quota must be a bool, but got '
                             f'{class_quota!r}')
        if class_quota and criterion == 'sampled':
            raise ValueError("class_quota=True does not combine with "
                             "criterion='sampled'")
        if not isinstance(sampling_strength,
                          (int, float)) or not sampling_strength >= 0:
            raise ValueError('sampling_strength must be a number >= 0, but '
                             f'got {sampling_strength!r}')
        self._check_loss_memory(loss_memory_weight, loss_memory_size,
                                criterion)
        self.splitter = splitter
        self.estimator = AdaptiveDensityEstimator(
            replace(density, feat_dim=min(density.feat_dim, channels)))
        self.prune_ratio = float(prune_ratio)
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
        if weight > 0 and criterion != 'density':
            raise ValueError(
                f'loss_memory_weight={weight!r} combines with '
                f"criterion='density' only, but got criterion={criterion!r}")

    @staticmethod
    def _check_prune_ratio(prune_ratio: float) -> None:
        if not isinstance(prune_ratio, (int, float)) or \
                not 0 <= prune_ratio < 1:
            raise ValueError(
                f'prune_ratio must be in [0, 1), but got {prune_ratio!r}')

    def set_pruning(self,
                    enabled: Optional[bool] = None,
                    prune_ratio: Optional[float] = None) -> None:
        """Switch pruning on or off and/or set the ratio at run time.

        Args:
            enabled (bool, optional): Prune from the next step on. None
                leaves it as it is. Defaults to None.
            prune_ratio (float, optional): New ``p`` in [0, 1). None leaves
                it as it is. Defaults to None.
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
        mode = self.shallow_grad
        if mode == 'auto':
            mode = self.shallow_grad_tuner.step(self.pruning_active,
                                                self.prune_ratio,
                                                inputs.device)
        num_keep = self.draw_keep_count(
            batch_size, self._after_block(backbone, after_block))
        recompute = num_keep < batch_size and mode == 'recompute'
        if recompute:
            with torch.no_grad(), frozen_norm_statistics(
                    self.splitter.shallow_modules(backbone)):
                state = self.splitter.forward_shallow(backbone, inputs)
        else:
            state = self.splitter.forward_shallow(backbone, inputs)
        x = pool_representation(state.feature, self.estimator.feat_dim)

        start = time.perf_counter()
        keep = weights = None
        if num_keep < batch_size and self.criterion == 'sampled':
            keep, weights = self.sample_kept(x, num_keep)
        elif num_keep < batch_size:
            keep = self.choose_kept(x, num_keep, classes, indices)
        finite, keep_index = self._to_host(x, keep)
        if not finite:
            # other ranks still gather, so this one sends no rows
            x, keep, keep_index, num_keep = x[:0], None, None, batch_size
            weights = None
            if recompute:
                state = self.splitter.forward_shallow(backbone, inputs)
        elif keep is not None:
            x = x.index_select(0, keep)
        self.estimator.update(x)
        score_time = time.perf_counter() - start

        if keep is not None:
            state = (
                self.splitter.forward_shallow(backbone,
                                              inputs.index_select(0, keep))
                if recompute else state.index_select(keep))
        feats = self.splitter.forward_deep(backbone, state)
        return BlockingResult(
            feats=feats,
            keep_index=keep_index,
            stats=self._stats(num_keep, batch_size, score_time, inputs.device),
            loss_weights=None if weights is None else weights.to(
                inputs.device, non_blocking=True))

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
        if self.class_quota:
            if classes is None or classes.numel() != x.size(0):
                raise ValueError(
                    'class_quota=True needs the class of each of the '
                    f'{x.size(0)} samples, but got {classes!r}')
            if self.criterion == 'random':
                scores = torch.rand(
                    x.size(0), generator=self.estimator.local_generator)
            else:
                scores = self._density_scores(x, indices)
            return keep_by_class_quota(scores, classes, num_keep).to(x.device)
        if self.criterion == 'random':
            order = torch.randperm(
                x.size(0), generator=self.estimator.local_generator)
            return order[:num_keep].sort().values.to(
                x.device, non_blocking=True)
        if self.criterion == 'sampled':
            return self.sample_kept(x, num_keep)[0]
        if self.loss_memory is not None:
            order = torch.sort(
                self._density_scores(x, indices), stable=True).indices
            return order[:num_keep].sort().values
        return self.estimator.select(
            x, num_keep, least_important=self.criterion == 'typical')

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
        keep, weights = rarity_sample(
            self.estimator.log_density(x), num_keep, self.sampling_strength,
            self.estimator.local_generator)
        return keep.to(x.device, non_blocking=True), weights

    def _density_scores(self,
                        x: Tensor,
                        indices: Optional[Sequence[int]] = None) -> Tensor:
        """The estimator's rank scores, negated for ``'typical'``; with
        the loss memory the negated :func:`rare_or_hard_importance`:
        smaller is kept first."""
        scores = self.estimator.rank_scores(x)
        if self.loss_memory is not None:
            if indices is None or len(indices) != x.size(0):
                raise ValueError(
                    f'loss_memory_weight={self.loss_memory_weight} needs the '
                    f'data set index of each of the {x.size(0)} samples, '
                    f'but got {indices!r}')
            return -rare_or_hard_importance(
                scores, self.loss_memory.lookup(indices),
                self.loss_memory_weight, self.estimator.log_noise > 0)
        return -scores if self.criterion == 'typical' else scores

    def summary(self) -> Dict[str, float]:
        """Scalars for the logs: the estimator's
        :meth:`~mmpfb.models.density.AdaptiveDensityEstimator.summary`,
        with the loss memory :meth:`LossMemory.summary` and, with
        ``shallow_grad='auto'``, the measured mode and times
        (:meth:`ShallowGradTuner.summary`)."""
        out = self.estimator.summary()
        if self.loss_memory is not None:
            out.update(self.loss_memory.summary())
        if self.shallow_grad == 'auto':
            out.update(self.shallow_grad_tuner.summary())
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
    def _stats(num_keep: int, batch_size: int, score_time: float,
               device: torch.device) -> Dict[str, Tensor]:
        # torch.full fills on the device: no host-to-device copy
        return dict(
            pfb_keep_num=torch.full((), float(num_keep), device=device),
            pfb_keep_ratio=torch.full((), num_keep / batch_size,
                                      device=device),
            pfb_score_time=torch.full((), score_time, device=device))

    def extra_repr(self) -> str:
        return (f'block_stage={self.splitter.block_stage}, '
                f'prune_ratio={self.prune_ratio}, enabled={self.enabled}, '
                f'min_keep={self.min_keep}, '
                f'shallow_grad={self.shallow_grad!r}, '
                f'criterion={self.criterion!r}, '
                f'class_quota={self.class_quota}, '
                f'sampling_strength={self.sampling_strength}, '
                f'loss_memory_weight={self.loss_memory_weight}')
