# Copyright (c) mmpfb contributors. All rights reserved.
import inspect
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor


class PerSampleLoss(nn.Module):
    """A host loss module that weights each sample of the batch.

    The wrapped module computes the loss twice from the same prediction:
    unreduced (``reduction_override='none'``, with gradient) and reduced
    as configured (without gradient). Summing the unreduced loss per
    sample gives ``s_i``; with the reduced value ``R`` the sample's share
    of the host's loss is ``c_i = s_i R / sum_j s_j``, so the host's own
    normalisation (all pixels, valid pixels, batch size, class weights,
    ``loss_weight``) is kept without being re-implemented:

    ``sum_i w_i c_i`` equals ``R`` when every ``w_i`` is 1, and its
    gradient is ``R / sum_j s_j`` times that of ``sum_i w_i s_i``.

    The sample's score is ``s_i`` per valid element of the target (each
    image's mean over its pixels that are not ``ignore_index``) or, for
    a loss that is one value per sample (classification), ``s_i``.

    While ``sample_weights`` is None (outside
    :meth:`~.per_sample_loss_mixin.PerSampleLossMixin.scored_loss`, which
    InfoBatch and PFB's loss memory call) the wrapper is the host's loss
    unchanged.

    Args:
        loss (nn.Module): A host loss whose ``forward`` takes
            ``reduction_override``.
    """

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        params = inspect.signature(loss.forward).parameters
        if 'reduction_override' not in params:
            raise TypeError(
                'per-sample losses (InfoBatch, PFB\'s loss memory) come '
                "from the loss's reduction_override='none', but "
                f'{type(loss).__name__} has no reduction_override')
        self.loss = loss
        self.sample_weights: Optional[Tensor] = None
        self.scores: Optional[Tensor] = None

    @property
    def loss_name(self) -> str:
        """The host loss's name (MMSegmentation's heads read it)."""
        return self.loss.loss_name

    def forward(self, pred: Tensor, target: Tensor, *args, **kwargs):
        """The host's loss, weighted per sample when weights are set."""
        weights = self.sample_weights
        if weights is None:
            return self.loss(pred, target, *args, **kwargs)
        per_element = self.loss(
            pred, target, *args, reduction_override='none', **kwargs)
        if per_element.shape[0] != weights.numel():
            raise RuntimeError(
                f'{type(self.loss).__name__} gave {per_element.shape[0]} '
                f'per-sample losses for a batch of {weights.numel()}')
        sums = per_element.reshape(per_element.shape[0], -1).sum(dim=1)
        with torch.no_grad():
            reduced = self.loss(pred, target, *args, **kwargs)
            total = sums.detach().sum()
            scale = torch.where(total != 0, reduced / total,
                                torch.zeros_like(total))
            self._add_scores(per_element, sums.detach(), target,
                             kwargs.get('ignore_index'))
        return (sums * weights.to(sums)).sum() * scale

    def _add_scores(self, per_element: Tensor, sums: Tensor, target: Tensor,
                    ignore_index: Optional[int]) -> None:
        """Add this call's per-sample scores to ``self.scores``."""
        if per_element.dim() > 1:
            valid = target.reshape(target.shape[0], -1)
            if ignore_index is not None:
                valid = valid != ignore_index
            else:
                valid = torch.ones_like(valid, dtype=torch.bool)
            scores = sums / valid.sum(dim=1).clamp(min=1)
        else:
            scores = sums
        self.scores = scores if self.scores is None else self.scores + scores
