# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB step around a backbone and the host-model mixin: torch and
MMEngine only, no MMSegmentation or MMPretrain import."""
from .batch_norm_utils import (frozen_norm_statistics,
                               has_single_sample_unsafe_norm)
from .blocking_options import SHALLOW_GRAD_MODES
from .blocking_result import BlockingResult
from .class_quota import (LABEL_MAP_RULES, class_quotas, keep_by_class_quota,
                          label_map_class, label_map_classes)
from .device_timer import DeviceTimer
from .kept_sample_selection import KeptSampleSelection
from .partial_forward_blocking import PartialForwardBlocking
from .pfb_model_mixin import PFBModelMixin
from .random_streams import RandomStreams
from .selection_criteria import (SELECTION_CRITERIA, Selection, SelectionBatch,
                                 SelectionCriterion, register_criterion)
from .shallow_grad_tuner import ShallowGradTuner
from .splitters import BaseSplitter, ShallowState, build_splitter

__all__ = [
    'BaseSplitter', 'ShallowState', 'build_splitter', 'SELECTION_CRITERIA',
    'Selection', 'SelectionBatch', 'SelectionCriterion', 'register_criterion',
    'SHALLOW_GRAD_MODES', 'RandomStreams', 'KeptSampleSelection',
    'BlockingResult', 'PartialForwardBlocking', 'frozen_norm_statistics',
    'has_single_sample_unsafe_norm', 'PFBModelMixin', 'ShallowGradTuner',
    'LABEL_MAP_RULES', 'class_quotas', 'keep_by_class_quota',
    'label_map_class', 'label_map_classes', 'DeviceTimer'
]
