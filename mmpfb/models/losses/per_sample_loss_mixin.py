# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Callable, Iterator, List, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from .per_sample_loss import PerSampleLoss


class PerSampleLossMixin:
    """A host model whose loss modules also give each sample's loss.

    The host class names its loss modules in :meth:`_loss_slots`, calls
    :meth:`init_per_sample_losses` once its heads are built, and runs a
    loss computation through :meth:`scored_loss` to get, with the
    losses, one score per sample (:class:`PerSampleLoss`). InfoBatch
    (:class:`~mmpfb.baselines.infobatch.InfoBatchModelMixin`) and PFB's loss
    memory (``pfb.loss_memory_weight``) read the scores.
    """

    def _loss_slots(self) -> Iterator[Tuple[nn.Module, str]]:
        """``(owner, attribute)`` of every loss module to weight."""
        raise NotImplementedError

    def init_per_sample_losses(self) -> None:
        """Wrap every loss module in :class:`PerSampleLoss`."""
        self.per_sample_losses: List[PerSampleLoss] = []
        for owner, name in self._loss_slots():
            wrapped = PerSampleLoss(getattr(owner, name))
            setattr(owner, name, wrapped)
            self.per_sample_losses.append(wrapped)

    def scored_loss(self, weights: Tensor,
                    compute: Callable[[], dict]) -> Tuple[dict, Tensor]:
        """Run ``compute`` with a loss weight per sample.

        Args:
            weights (Tensor): One weight per sample, shape (N, ).
            compute (Callable[[], dict]): The host's loss computation.

        Returns:
            tuple[dict, Tensor]: Its losses, each the weighted sum of its
            per-sample shares (the host's own with all weights 1), and
            each sample's score, the sum over the loss modules, shape
            (N, ) on the losses' device.
        """
        for loss in self.per_sample_losses:
            loss.sample_weights = weights
            loss.scores = None
        try:
            losses = compute()
        finally:
            for loss in self.per_sample_losses:
                loss.sample_weights = None
        scores = [
            loss.scores for loss in self.per_sample_losses
            if loss.scores is not None
        ]
        return losses, torch.stack(scores).sum(dim=0)
