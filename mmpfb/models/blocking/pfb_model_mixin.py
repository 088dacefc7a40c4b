# Copyright (c) mmpfb contributors. All rights reserved.
from abc import ABCMeta, abstractmethod
from typing import Dict, Iterator, List, Optional, Sequence

import torch.nn as nn
from torch import Tensor

from .partial_forward_blocking import PartialForwardBlocking


class PFBModelMixin(metaclass=ABCMeta):
    """The training step with PFB for any host model, and the small
    interface :class:`mmpfb.engine.PFBHook` drives.

    A host class puts this mixin before the host's model class, calls
    :meth:`init_blocker` after the host's constructor has built
    ``self.backbone``, and says what differs between hosts:
    :meth:`modules_after_block`, :meth:`head_losses` and
    :meth:`sample_classes`. Only training mode prunes; in eval mode (a
    validation-loss hook) :meth:`loss` is the host's own and leaves the
    estimator untouched.

    .. code:: text

     loss(): training mode?
       no:  the host's loss()
       yes: sample_classes()              only with pfb.class_quota
            blocker()                     shallow stages (all) -> select
                                          -> deep stages (kept)
            -> neck (optional, kept)
            -> head_losses(kept samples)  every head, kept rows only
               (weighted_head_losses() with pfb.criterion='sampled')
            -> + pfb_keep_num, pfb_keep_ratio, pfb_score_time

    Attributes:
        last_keep_index (list[int], optional): Rows of the last training
            batch that were kept; None when every row was (read by
            :class:`mmpfb.engine.PFBClassKeepHook`).
    """

    def init_blocker(self, pfb: dict) -> None:
        """Build ``self.blocker`` around ``self.backbone``.

        Args:
            pfb (dict): The config's flat ``pfb`` dict; see
                :meth:`PartialForwardBlocking.from_config`.
        """
        self.blocker = PartialForwardBlocking.from_config(self.backbone, pfb)
        if self.blocker.criterion == 'sampled' and type(
                self).weighted_head_losses is \
                PFBModelMixin.weighted_head_losses:
            raise ValueError(
                "pfb.criterion='sampled' weights each kept sample's loss, "
                f'which {type(self).__name__} does not support')
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
            ``pfb_keep_num``, ``pfb_keep_ratio`` and ``pfb_score_time``.
        """
        if not self.training:
            return super().loss(inputs, data_samples)
        classes = (
            self.sample_classes(data_samples)
            if self.blocker.class_quota else None)
        result = self.blocker(
            self.backbone,
            inputs,
            after_block=self.modules_after_block(),
            classes=classes)
        self.last_keep_index = result.keep_index
        feats = self.neck(result.feats) if self.with_neck else result.feats
        kept = result.select(data_samples)
        if result.loss_weights is None:
            losses = self.head_losses(feats, kept)
        else:
            losses = self.weighted_head_losses(feats, kept,
                                               result.loss_weights)
        losses.update(result.stats)
        return losses

    # the interface of PFBHook
    @property
    def prune_ratio(self) -> float:
        """The ratio pruning uses while it is on."""
        return self.blocker.prune_ratio

    def set_pruning(self,
                    enabled: Optional[bool] = None,
                    prune_ratio: Optional[float] = None) -> None:
        """Run-time switch; see
        :meth:`PartialForwardBlocking.set_pruning`."""
        self.blocker.set_pruning(enabled=enabled, prune_ratio=prune_ratio)

    def pruning_summary(self) -> Dict[str, float]:
        """Scalars describing pruning for the logs: ``enabled``,
        ``prune_ratio`` and :meth:`PartialForwardBlocking.summary`."""
        blocker = self.blocker
        return dict(
            enabled=float(blocker.enabled),
            prune_ratio=blocker.prune_ratio,
            **blocker.summary())
