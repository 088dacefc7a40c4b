# Copyright (c) mmpfb contributors. All rights reserved.
"""PFB's selection criteria: which ``K`` of a batch's ``N`` samples go on
through the deep part (``pfb.criterion``, ``docs/pfb_options.md``).

A criterion is one function of a :class:`SelectionBatch` that returns a
:class:`Selection`, entered in :data:`SELECTION_CRITERIA` under its
name by :func:`register_criterion`. Adding one is a function and a
line::

    @register_criterion('first')
    def keep_first(batch: SelectionBatch) -> Selection:
        return Selection(torch.arange(batch.num_keep, device=batch.x.device))

A criterion that ranks calls :meth:`SelectionBatch.keep_smallest` with
its scores, which keeps each class's share with ``class_quota``.
"""
from dataclasses import dataclass
from typing import Callable, Dict, NamedTuple, Optional

import torch
from torch import Tensor

from ..density import AdaptiveDensityEstimator, smallest_in_batch_order
from .class_quota import keep_by_class_quota
from .rare_or_hard import rare_or_hard_importance
from .weighted_sampling import rarity_sample


class Selection(NamedTuple):
    """The kept rows of a batch.

    Attributes:
        keep (Tensor): ``K`` row indices, ascending, on the features'
            device.
        weights (Tensor, optional): float32 loss weights of the kept
            rows on the host; None: unweighted. Defaults to None.
    """
    keep: Tensor
    weights: Optional[Tensor] = None


@dataclass
class SelectionBatch:
    """What a criterion chooses from.

    Attributes:
        x (Tensor): Pooled shallow features, shape (N, D).
        num_keep (int): ``K``, in ``[1, N)``.
        estimator (AdaptiveDensityEstimator): The density estimator.
        generator (torch.Generator): The step's per-rank random stream.
        classes (Tensor, optional): Class id of each row, (N,) int64 on
            the host, with ``class_quota``; None without.
            Defaults to None.
        remembered (Tensor, optional): Each row's remembered loss (NaN
            for none) with the loss memory; None without.
            Defaults to None.
        loss_memory_weight (float): Weight of the loss term with the
            loss memory. Defaults to 0.0.
        sampling_strength (float): How much rarity raises the keep
            probability (``'sampled'``). Defaults to 1.0.
    """
    x: Tensor
    num_keep: int
    estimator: AdaptiveDensityEstimator
    generator: torch.Generator
    classes: Optional[Tensor] = None
    remembered: Optional[Tensor] = None
    loss_memory_weight: float = 0.0
    sampling_strength: float = 1.0

    def keep_smallest(self, scores: Tensor) -> Tensor:
        """The rows of the ``num_keep`` smallest ``scores`` (ties: the
        first), ascending, on ``x``'s device; with ``classes`` the
        smallest within each class (:func:`keep_by_class_quota`)."""
        if self.classes is not None:
            keep = keep_by_class_quota(scores, self.classes, self.num_keep)
        else:
            keep = smallest_in_batch_order(scores, self.num_keep)
        return keep.to(self.x.device)


@dataclass(frozen=True)
class SelectionCriterion:
    """One entry of :data:`SELECTION_CRITERIA`.

    Attributes:
        choose (Callable): ``(SelectionBatch) -> Selection``.
        weights_losses (bool): The kept samples' losses are weighted: the
            host model must take loss weights, and ``class_quota`` does
            not combine with it.
        takes_loss_memory (bool): ``loss_memory_weight > 0`` combines
            with it.
    """
    choose: Callable[[SelectionBatch], Selection]
    weights_losses: bool
    takes_loss_memory: bool


#: Every ``pfb.criterion`` by name.
SELECTION_CRITERIA: Dict[str, SelectionCriterion] = {}


def register_criterion(name: str,
                       weights_losses: bool = False,
                       takes_loss_memory: bool = False) -> Callable:
    """Enter the decorated function in :data:`SELECTION_CRITERIA`.

    Args:
        name (str): The value of ``pfb.criterion`` that selects by it.
        weights_losses (bool): It returns loss weights. Defaults to False.
        takes_loss_memory (bool): It reads ``SelectionBatch.remembered``.
            Defaults to False.

    Returns:
        Callable: The decorator; it returns the function unchanged.
    """

    def register(choose: Callable) -> Callable:
        if name in SELECTION_CRITERIA:
            raise KeyError(f'criterion {name!r} is already registered')
        SELECTION_CRITERIA[name] = SelectionCriterion(choose, weights_losses,
                                                      takes_loss_memory)
        return choose

    return register


@register_criterion('density', takes_loss_memory=True)
def keep_least_dense(batch: SelectionBatch) -> Selection:
    """PFB: the rows of the ``K`` smallest rank scores ``g_i``; with the
    loss memory those of the largest :func:`rare_or_hard_importance`."""
    scores = batch.estimator.rank_scores(batch.x, batch.generator)
    if batch.remembered is not None:
        scores = -rare_or_hard_importance(scores, batch.remembered,
                                          batch.loss_memory_weight,
                                          batch.estimator.log_noise > 0)
    return Selection(batch.keep_smallest(scores))


@register_criterion('typical')
def keep_densest(batch: SelectionBatch) -> Selection:
    """The rows of the ``K`` largest rank scores (PFB's ranking reversed:
    the direction's ablation)."""
    scores = batch.estimator.rank_scores(batch.x, batch.generator)
    return Selection(batch.keep_smallest(-scores))


@register_criterion('random')
def keep_random(batch: SelectionBatch) -> Selection:
    """``K`` rows uniformly at random (per class: the smallest of uniform
    random scores): the baseline, with the same blocking and the same
    ``K``."""
    size = batch.x.size(0)
    if batch.classes is not None:
        return Selection(
            batch.keep_smallest(torch.rand(size, generator=batch.generator)))
    order = torch.randperm(size, generator=batch.generator)
    return Selection(order[:batch.num_keep].sort().values.to(
        batch.x.device, non_blocking=True))


@register_criterion('sampled', weights_losses=True)
def keep_sampled(batch: SelectionBatch) -> Selection:
    """``K`` rows drawn at random, the rarer the likelier, with loss
    weights that make the kept rows' mean loss unbiased for the batch's
    (:func:`~.weighted_sampling.rarity_sample`)."""
    # a batch with non-finite features is not pruned: it only has to
    # reach the step's host read that finds them
    log_density = batch.estimator.log_density(batch.x).nan_to_num(
        nan=0.0, posinf=0.0, neginf=0.0)
    keep, weights = rarity_sample(log_density, batch.num_keep,
                                  batch.sampling_strength, batch.generator)
    return Selection(keep.to(batch.x.device, non_blocking=True), weights)
