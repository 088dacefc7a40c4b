# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils import is_installed
from .infobatch_model_mixin import INDEX_KEY, WEIGHT_KEY, InfoBatchModelMixin
from .per_sample_loss import PerSampleLoss
from .per_sample_loss_mixin import PerSampleLossMixin

__all__ = [
    'INDEX_KEY', 'WEIGHT_KEY', 'InfoBatchModelMixin', 'PerSampleLoss',
    'PerSampleLossMixin'
]

if is_installed('mmseg'):
    from .infobatch_encoder_decoder import InfoBatchEncoderDecoder  # noqa
    __all__ += ['InfoBatchEncoderDecoder']

if is_installed('mmpretrain'):
    from .infobatch_image_classifier import InfoBatchImageClassifier  # noqa
    __all__ += ['InfoBatchImageClassifier']
