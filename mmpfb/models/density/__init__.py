# Copyright (c) mmpfb contributors. All rights reserved.
"""The density estimator of PFB: plain torch, no host library."""
from .adaptive_density_estimator import AdaptiveDensityEstimator
from .density_settings import BANDWIDTH_RULES, DensitySettings
from .feature_pooling import pool_representation

__all__ = [
    'AdaptiveDensityEstimator', 'BANDWIDTH_RULES', 'DensitySettings',
    'pool_representation'
]
