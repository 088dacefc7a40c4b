# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB training step around a backbone, shared by every host model."""
from typing import Dict, Iterable, Iterator, Optional, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from ..density import DensitySettings, pool_representation
from .blocking_options import check_step_options, split_pfb_config
from .blocking_result import BlockingResult, keep_stats
from .device_timer import DeviceTimer
from .kept_sample_selection import KeptSampleSelection
from .shallow_grad_modes import deep_input, scoring_state
from .shallow_grad_tuner import ShallowGradTuner
from .splitters import BaseSplitter, build_splitter


class PartialForwardBlocking(KeptSampleSelection):
    """Partial Forward Blocking around a backbone (``docs/design.md`` 1).

    .. code:: text

        forward()
          ├─ _step_shallow_grad()            'auto': ShallowGradTuner.step
          ├─ draw_keep_count()               K, rounded by a draw of
          │                                  random_streams.local
          ├─ scoring_state()                 all N (no_grad and no
          │                                  autocast cache: recompute)
          ├─ pool_representation()           x_i, float32, detached
          ├─ select_and_learn()              timed by score_timer
          │    ├─ choose_kept(x, K)          if K < N: the criterion's
          │    │                             function on a SelectionBatch
          │    │                             (selection_criteria.py;
          │    │                             class_quota in its
          │    │                             keep_smallest)
          │    ├─ _to_host()                 finite flag + kept rows: the
          │    │                             one copy to the host
          │    └─ learn(x[kept])             random_streams.gather_rows()
          │                                  (every rank's rows), then
          │                                  estimator.update()
          ├─ deep_input()                    kept rows of the shallow state
          │                                  (recompute: shallow on K)
          └─ splitter.forward_deep()         kept samples only

    Pruning happens only while enabled, with ``prune_ratio > 0`` and once
    the estimator's centroids are filled; otherwise every sample is kept,
    the backbone runs exactly its own ops in its own order, and the
    estimator still learns from every sample.

    The pruning switch and ratios, the kept count and the selection are
    :class:`~.kept_sample_selection.KeptSampleSelection`'s.

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
        criterion (str): A name in :data:`SELECTION_CRITERIA`
            (:mod:`~.selection_criteria`): ``'density'`` (PFB, the K
            least dense), ``'random'`` (the baseline: same blocking and
            K), ``'typical'`` (the K densest: the direction's ablation)
            or ``'sampled'`` (drawn by rarity, with loss weights that the
            host model must take). Defaults to ``'density'``.
        auto_trials (int): With ``shallow_grad='auto'``, timed training
            iterations per mode. Defaults to 5.
        auto_tolerance (float): With ``shallow_grad='auto'``, the change
            of ``prune_ratio`` after which both modes are timed again.
            Defaults to 0.1.
        class_quota (bool): Keep each class's share of the batch and
            choose by the criterion within each class
            (:func:`~.class_quota.keep_by_class_quota`); :meth:`forward`
            then needs the samples' classes. Defaults to False.
        sampling_strength (float): With ``criterion='sampled'``, how
            much rarity raises a sample's keep probability
            (:func:`~.weighted_sampling.rarity_sample`); 0 is uniform
            random pruning. Defaults to 1.0.
        loss_memory_weight (float): With ``w > 0`` (and
            ``criterion='density'``) keep the rare or hard: the K largest
            ``z(-log g)_i + w z(log L_i)``, ``L_i`` the sample's
            remembered loss (:class:`LossMemory`,
            :func:`~.rare_or_hard.rare_or_hard_importance`);
            :meth:`forward` then needs the samples' data set indices.
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
        check_step_options(prune_ratio, min_keep, shallow_grad, criterion,
                           auto_trials, auto_tolerance, class_quota,
                           sampling_strength, loss_memory_weight,
                           loss_memory_size)
        super().__init__(channels, prune_ratio, density, min_keep, criterion,
                         class_quota, sampling_strength, loss_memory_weight,
                         loss_memory_size)
        self.splitter = splitter
        self.shallow_grad = shallow_grad
        self.shallow_grad_tuner = ShallowGradTuner(auto_trials,
                                                   float(auto_tolerance))
        self.score_timer = DeviceTimer()

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
        block_stage, density, options = split_pfb_config(cfg)
        splitter = build_splitter(backbone, block_stage)
        return cls(
            splitter, splitter.channels(backbone), density=density, **options)

    def resolve_shallow_grad(self) -> Optional[str]:
        """``'reuse'`` or ``'recompute'``: the fixed mode, or the one
        ``'auto'`` measured (None until it has)."""
        if self.shallow_grad == 'auto':
            return self.shallow_grad_tuner.choice
        return self.shallow_grad

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
            batch_size, self.kept_sample_modules(backbone, after_block))
        recompute = num_keep < batch_size and mode == 'recompute'
        state = scoring_state(self.splitter, backbone, inputs, recompute)
        x = pool_representation(state.feature, self.estimator.feat_dim)
        self.score_timer.start(x.device)
        keep, keep_index, weights = self.select_and_learn(
            x, num_keep, classes, indices)
        self.score_timer.stop()
        state = deep_input(self.splitter, backbone, inputs, state, keep,
                           recompute)
        return BlockingResult(
            feats=self.splitter.forward_deep(backbone, state),
            keep_index=keep_index,
            stats=keep_stats(keep_index, batch_size),
            loss_weights=None if weights is None else weights.to(
                inputs.device, non_blocking=True))

    def _step_shallow_grad(self, device: torch.device) -> str:
        """This step's mode, ``'reuse'`` or ``'recompute'``; with
        ``'auto'`` one step of the tuner."""
        if self.shallow_grad != 'auto':
            return self.shallow_grad
        return self.shallow_grad_tuner.step(self.pruning_active,
                                            self.prune_ratio, device)

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

    def kept_sample_modules(
            self, backbone: nn.Module,
            others: Iterable[nn.Module]) -> Iterator[nn.Module]:
        """Every module that runs on the kept samples only: the
        backbone's deep part and ``others`` (neck, heads), children
        included; they choose ``min_keep``."""
        yield from self.splitter.deep_modules(backbone)
        for module in others:
            yield from module.modules()

    def extra_repr(self) -> str:
        return (f'block_stage={self.splitter.block_stage}, '
                f'prune_ratio={self.prune_ratio}, enabled={self.enabled}, '
                f'min_keep={self.min_keep}, '
                f'shallow_grad={self.shallow_grad!r}, '
                f'criterion={self.criterion!r}, '
                f'class_quota={self.class_quota}, '
                f'sampling_strength={self.sampling_strength}, '
                f'loss_memory_weight={self.loss_memory_weight}')
