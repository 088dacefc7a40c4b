# Copyright (c) mmpfb contributors. All rights reserved.
"""What one selection criterion of the PFB step needs."""
from dataclasses import dataclass


@dataclass(frozen=True)
class SelectionCriterion:
    """What one value of ``pfb.criterion`` needs, and the method of
    :class:`~mmpfb.models.blocking.PartialForwardBlocking` that keeps the
    samples by it. Every criterion's entry is in the table
    ``SELECTION_CRITERIA`` beside the blocker.

    Attributes:
        keep_method (str): Name of the blocker's method
            ``(x, num_keep, classes, indices)`` that returns the kept
            rows, ascending, on ``x``'s device.
        weights_losses (bool): The kept samples' losses are weighted by
            their inverse keep probability: the step draws the kept rows
            and their weights with
            :meth:`~mmpfb.models.blocking.PartialForwardBlocking.sample_kept`,
            the host model must take loss weights, and ``class_quota``
            does not combine with it. Defaults to False.
        takes_loss_memory (bool): ``loss_memory_weight > 0`` combines
            with it. Defaults to False.
    """
    keep_method: str
    weights_losses: bool = False
    takes_loss_memory: bool = False
