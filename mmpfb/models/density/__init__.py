# Copyright (c) mmpfb contributors. All rights reserved.
"""The density estimator of PFB: torch and MMEngine only, no
MMSegmentation or MMPretrain import. The math
(:mod:`.kernel_density`, :mod:`.centroid_update`,
:mod:`.importance_ranking`) is pure functions of tensors;
:class:`AdaptiveDensityEstimator` owns the state and calls them."""
from .adaptive_density_estimator import AdaptiveDensityEstimator
from .centroid_update import move_centroids, nearest_centroids
from .density_settings import BANDWIDTH_RULES, DensitySettings
from .feature_pooling import pool_representation
from .importance_ranking import (keep_count, noisy_log_density_scores,
                                 relative_density_scores,
                                 smallest_in_batch_order)
from .kernel_density import (bandwidth_diag, log_balance_weights,
                             log_kernel_density)

__all__ = [
    'AdaptiveDensityEstimator', 'BANDWIDTH_RULES', 'DensitySettings',
    'bandwidth_diag', 'keep_count', 'log_balance_weights',
    'log_kernel_density', 'move_centroids', 'nearest_centroids',
    'noisy_log_density_scores', 'pool_representation',
    'relative_density_scores', 'smallest_in_batch_order'
]
