# Copyright (c) mmpfb contributors. All rights reserved.
from .adaptive_density_estimator import (BANDWIDTH_RULES,
                                         AdaptiveDensityEstimator)
from .feature_pooling import pool_representation

__all__ = [
    'AdaptiveDensityEstimator', 'BANDWIDTH_RULES', 'pool_representation'
]
