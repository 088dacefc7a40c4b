# Copyright (c) mmpfb contributors. All rights reserved.
"""InfoBatch (Qin et al., ICLR 2024) as a baseline: the pruner and the
samplers that drop well-learnt samples, the host models whose losses
weight each sample, the hook that connects them, and the summary of its
log. Imported through the registries' locations or
:func:`mmpfb.utils.register_all_modules`; the host models only where
their host is installed."""
from mmpfb.registry import register_in_host_scopes
from mmpfb.utils.host_libraries import is_installed
from .infobatch_hook import InfoBatchHook
from .infobatch_infinite_sampler import InfoBatchInfiniteSampler
from .infobatch_model_mixin import INDEX_KEY, WEIGHT_KEY, InfoBatchModelMixin
from .infobatch_pruner import InfoBatchPruner
from .infobatch_sampler import InfoBatchSampler
from .infobatch_sampler_mixin import InfoBatchSamplerMixin
from .log_summary import summarize_infobatch_log

for _sampler in (InfoBatchSampler, InfoBatchInfiniteSampler):
    register_in_host_scopes('DATA_SAMPLERS', _sampler)

__all__ = [
    'INDEX_KEY', 'WEIGHT_KEY', 'InfoBatchHook', 'InfoBatchInfiniteSampler',
    'InfoBatchModelMixin', 'InfoBatchPruner', 'InfoBatchSampler',
    'InfoBatchSamplerMixin', 'summarize_infobatch_log'
]

if is_installed('mmseg'):
    from .infobatch_encoder_decoder import InfoBatchEncoderDecoder  # noqa
    __all__ += ['InfoBatchEncoderDecoder']

if is_installed('mmpretrain'):
    from .infobatch_image_classifier import InfoBatchImageClassifier  # noqa
    __all__ += ['InfoBatchImageClassifier']
