# Copyright (c) mmpfb contributors. All rights reserved.
"""Each sample's share of a host's loss, read by PFB's loss memory and by
the InfoBatch baseline (plain torch, no host library)."""
from .loss_slots import classifier_loss_slots, segmentor_loss_slots
from .per_sample_loss import PerSampleLoss
from .per_sample_loss_mixin import PerSampleLossMixin

__all__ = [
    'PerSampleLoss', 'PerSampleLossMixin', 'classifier_loss_slots',
    'segmentor_loss_slots'
]
