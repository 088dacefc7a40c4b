# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB step around a backbone and the host-model mixin; no host
library is imported here."""
from .batch_norm_utils import (frozen_norm_statistics,
                               has_single_sample_unsafe_norm)
from .blocking_result import BlockingResult
from .class_quota import (LABEL_MAP_RULES, class_quotas, keep_by_class_quota,
                          label_map_class, label_map_classes)
from .device_timer import DeviceTimer
from .partial_forward_blocking import (CRITERIA, SELECTION_CRITERIA,
                                       SHALLOW_GRAD_MODES,
                                       PartialForwardBlocking)
from .pfb_model_mixin import PFBModelMixin
from .selection_criterion import SelectionCriterion
from .shallow_grad_tuner import ShallowGradTuner
from .splitters import BaseSplitter, ShallowState, build_splitter

__all__ = [
    'BaseSplitter', 'ShallowState', 'build_splitter', 'CRITERIA',
    'SELECTION_CRITERIA', 'SelectionCriterion', 'SHALLOW_GRAD_MODES',
    'BlockingResult', 'PartialForwardBlocking', 'frozen_norm_statistics',
    'has_single_sample_unsafe_norm', 'PFBModelMixin', 'ShallowGradTuner',
    'LABEL_MAP_RULES', 'class_quotas', 'keep_by_class_quota',
    'label_map_class', 'label_map_classes', 'DeviceTimer'
]
