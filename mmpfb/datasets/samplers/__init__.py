# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.registry import register_in_host_scopes
from .infobatch_infinite_sampler import InfoBatchInfiniteSampler
from .infobatch_pruner import InfoBatchPruner
from .infobatch_sampler import InfoBatchSampler
from .infobatch_sampler_mixin import InfoBatchSamplerMixin

for _sampler in (InfoBatchSampler, InfoBatchInfiniteSampler):
    register_in_host_scopes('DATA_SAMPLERS', _sampler)

__all__ = [
    'InfoBatchInfiniteSampler', 'InfoBatchPruner', 'InfoBatchSampler',
    'InfoBatchSamplerMixin'
]
