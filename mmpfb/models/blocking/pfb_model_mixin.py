# Copyright (c) mmpfb contributors. All rights reserved.
from abc import ABCMeta, abstractmethod
from functools import partial
from typing import Dict, Iterator, List, Optional, Sequence

import torch
import torch.nn as nn
from torch import Tensor
from torch.utils.data import ConcatDataset, Dataset

from ..losses import PerSampleLossMixin
from .loss_memory import SAMPLE_INDEX_KEY
from .partial_forward_blocking import PartialForwardBlocking
from .selection_criteria import SELECTION_CRITERIA


class PFBModelMixin(PerSampleLossMixin, metaclass=ABCMeta):
    """The training step with PFB for any host model, and the small
    interface :class:`mmpfb.engine.PFBHook` drives.

    A host class puts this mixin before the host's model class, calls
    :meth:`init_blocker` after the host's constructor has built
    ``self.backbone``, and says what differs between hosts:
    :meth:`modules_after_block`, :meth:`head_losses` and
    :meth:`sample_classes`; for ``pfb.loss_memory_weight`` also
    ``_loss_slots`` (:class:`~mmpfb.models.losses.PerSampleLossMixin`)
    and :attr:`index_hint`. Only training mode prunes; in eval mode (a
    validation-loss hook) :meth:`loss` is the host's own and leaves the
    estimator and the loss memory untouched.

    .. code:: text

     loss(): training mode?
       no:  the host's loss()
       yes: sample_classes()              only with pfb.class_quota
            sample_indices()              only with pfb.loss_memory_weight
            blocker()                     shallow stages (all) -> select
                                          -> deep stages (kept)
            -> neck (optional, kept)
            -> head_losses(kept samples)  every head, kept rows only
               (weighted_head_losses() with pfb.criterion='sampled';
               scored_loss() and loss_memory.update() with
               pfb.loss_memory_weight)
            -> + pfb_keep_num, pfb_keep_ratio (host values)

    Attributes:
        last_keep_index (list[int], optional): Rows of the last training
            batch that were kept; None when every row was (read by
            :class:`mmpfb.engine.PFBClassKeepHook`).
        index_hint (str): How the host's data pipeline packs each
            sample's data set index (``metainfo['sample_idx']``), for the
            error when it is missing.
    """

    index_hint = ("pack 'sample_idx' in the data samples' metainfo (the "
                  "meta_keys of the pipeline's packing transform)")

    def init_blocker(self, pfb: dict) -> None:
        """Build ``self.blocker`` around ``self.backbone``.

        Args:
            pfb (dict): The config's flat ``pfb`` dict; see
                :meth:`PartialForwardBlocking.from_config`.
        """
        self.blocker = PartialForwardBlocking.from_config(self.backbone, pfb)
        criterion = SELECTION_CRITERIA[self.blocker.criterion]
        if criterion.weights_losses and type(
                self).weighted_head_losses is \
                PFBModelMixin.weighted_head_losses:
            raise ValueError(
                f'pfb.criterion={self.blocker.criterion!r} weights each '
                f"kept sample's loss, which {type(self).__name__} does not "
                'support')
        if self.blocker.loss_memory is not None:
            if type(self)._loss_slots is PerSampleLossMixin._loss_slots:
                raise ValueError(
                    'pfb.loss_memory_weight='
                    f'{self.blocker.loss_memory_weight} remembers each '
                    f"sample's loss, which {type(self).__name__} does not "
                    'compute (it names no loss modules in _loss_slots)')
            self.init_per_sample_losses()
        self.last_keep_index: Optional[List[int]] = None

    @abstractmethod
    def modules_after_block(self) -> Iterator[nn.Module]:
        """Modules besides the backbone that see only the kept samples
        (neck, heads)."""

    @abstractmethod
    def head_losses(self, feats: Sequence[Tensor],
                    data_samples: list) -> Dict[str, Tensor]:
        """Losses of every head on the kept samples' features.

        Args:
            feats (Sequence[Tensor]): Neck (or backbone) outputs of the
                kept samples.
            data_samples (list): Their data samples.

        Returns:
            dict[str, Tensor]: The heads' losses.
        """

    def weighted_head_losses(self, feats: Sequence[Tensor], data_samples: list,
                             weights: Tensor) -> Dict[str, Tensor]:
        """Like :meth:`head_losses`, each sample's loss times its weight
        (``pfb.criterion='sampled'``). A host that supports loss weights
        overrides this.

        Args:
            feats (Sequence[Tensor]): As in :meth:`head_losses`.
            data_samples (list): As in :meth:`head_losses`.
            weights (Tensor): One weight per sample, shape (K, ).

        Returns:
            dict[str, Tensor]: The heads' losses.
        """
        raise NotImplementedError(
            f'{type(self).__name__} does not take loss weights')

    def sample_indices(self, data_samples: list) -> List[int]:
        """Each sample's data set index, ``metainfo['sample_idx']``, for
        ``pfb.loss_memory_weight``.

        Args:
            data_samples (list): The batch's data samples.

        Returns:
            list[int]: Their indices.
        """
        missing = [
            i for i, sample in enumerate(data_samples)
            if SAMPLE_INDEX_KEY not in sample.metainfo
        ]
        if missing:
            raise KeyError(
                f'pfb.loss_memory_weight={self.blocker.loss_memory_weight} '
                "remembers each sample's loss by its data set index, "
                f'metainfo {SAMPLE_INDEX_KEY!r}, but data samples {missing} '
                f'of the batch have none: {self.index_hint}')
        return [sample.metainfo[SAMPLE_INDEX_KEY] for sample in data_samples]

    @abstractmethod
    def sample_classes(self, data_samples: list) -> Tensor:
        """One class id per sample, for ``pfb.class_quota``.

        Args:
            data_samples (list): The batch's data samples.

        Returns:
            Tensor: int64 class ids of shape (N,), on the host.
        """

    def loss(self, inputs: Tensor, data_samples: list) -> Dict[str, Tensor]:
        """Losses of the kept samples, plus the pruning statistics; the
        host's own losses in eval mode.

        Args:
            inputs (Tensor): Input images of shape (N, C, H, W).
            data_samples (list): Their data samples.

        Returns:
            dict[str, Tensor]: Losses, and in training mode
            ``pfb_keep_num`` and ``pfb_keep_ratio`` (on the host; the
            scoring time is in :meth:`pruning_summary`).
        """
        if not self.training:
            return super().loss(inputs, data_samples)
        classes = (
            self.sample_classes(data_samples)
            if self.blocker.class_quota else None)
        memory = self.blocker.loss_memory
        indices = (None
                   if memory is None else self.sample_indices(data_samples))
        result = self.blocker(
            self.backbone,
            inputs,
            after_block=self.modules_after_block(),
            classes=classes,
            indices=indices)
        self.last_keep_index = result.keep_index
        feats = self.neck(result.feats) if self.with_neck else result.feats
        kept = result.select(data_samples)
        if result.loss_weights is not None:
            losses = self.weighted_head_losses(feats, kept,
                                               result.loss_weights)
        elif memory is not None:
            losses, scores = self.scored_loss(
                torch.ones(len(kept)), partial(self.head_losses, feats, kept))
            memory.update(result.select(indices), scores)
        else:
            losses = self.head_losses(feats, kept)
        losses.update(result.stats)
        return losses

    # the interface of PFBHook
    @property
    def target_prune_ratio(self) -> float:
        """The configured ratio, ``pfb.prune_ratio``; see
        :attr:`PartialForwardBlocking.target_prune_ratio`."""
        return self.blocker.target_prune_ratio

    @property
    def prune_ratio(self) -> float:
        """The ratio in force now: pruning uses it while it is on; the
        configured one until :meth:`set_pruning` sets another."""
        return self.blocker.prune_ratio

    def set_pruning(self,
                    enabled: Optional[bool] = None,
                    prune_ratio: Optional[float] = None) -> None:
        """Run-time switch and ratio in force; see
        :meth:`PartialForwardBlocking.set_pruning`."""
        self.blocker.set_pruning(enabled=enabled, prune_ratio=prune_ratio)

    def fit_loss_memory(self, dataset: Dataset) -> None:
        """Size the loss memory to the training data set, or check its
        size (:meth:`LossMemory.fit`); nothing without
        ``pfb.loss_memory_weight``.

        Args:
            dataset (Dataset): The training data set.
        """
        memory = self.blocker.loss_memory
        if memory is None:
            return
        if isinstance(dataset, ConcatDataset):
            raise TypeError(
                "pfb.loss_memory_weight remembers losses by each sample's "
                f'{SAMPLE_INDEX_KEY!r}, which restarts at 0 in every data '
                f'set of a {type(dataset).__name__}: train on one data set, '
                'or drop pfb.loss_memory_weight')
        memory.fit(len(dataset))

    def pruning_summary(self) -> Dict[str, float]:
        """Scalars describing pruning for the logs: ``enabled``,
        ``prune_ratio`` (the ratio in force) and
        :meth:`PartialForwardBlocking.summary`."""
        blocker = self.blocker
        return dict(
            enabled=float(blocker.enabled),
            prune_ratio=blocker.prune_ratio,
            **blocker.summary())
