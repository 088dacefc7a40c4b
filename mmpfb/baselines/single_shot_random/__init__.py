# Copyright (c) mmpfb contributors. All rights reserved.
"""Single-shot random pruning (the "Random" row of the PFB paper) as a
baseline: one random subset of the training data set, drawn once and
trained on for the whole run. Imported through the registries' locations
or :func:`mmpfb.utils.register_all_modules`."""
from mmpfb.registry import register_in_host_scopes
from .random_subset_sampler import RandomSubsetSampler, draw_subset

register_in_host_scopes('DATA_SAMPLERS', RandomSubsetSampler)

__all__ = ['RandomSubsetSampler', 'draw_subset']
