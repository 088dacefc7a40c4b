# Copyright (c) mmpfb contributors. All rights reserved.
"""Data: the generated demos, real-image Fashion-MNIST sets and scenes,
and the InfoBatch samplers."""
from .demo_voc import (DEMO_CLASSES, DEMO_COMMON_CLASSES, DEMO_PALETTE,
                       DEMO_RARE_FRACTIONS, generate_demo_voc)
from .fashion_mnist import *  # noqa: F401,F403
from .fashion_scenes import (FASHION_SCENES_CLASSES, FASHION_SCENES_PALETTE,
                             generate_fashion_scenes)
from .samplers import *  # noqa: F401,F403

__all__ = [
    'DEMO_CLASSES', 'DEMO_COMMON_CLASSES', 'DEMO_PALETTE',
    'DEMO_RARE_FRACTIONS', 'generate_demo_voc', 'FASHION_SCENES_CLASSES',
    'FASHION_SCENES_PALETTE', 'generate_fashion_scenes'
]
