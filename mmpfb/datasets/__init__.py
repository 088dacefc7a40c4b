# Copyright (c) mmpfb contributors. All rights reserved.
from .demo_voc import (DEMO_CLASSES, DEMO_COMMON_CLASSES, DEMO_PALETTE,
                       DEMO_RARE_FRACTIONS, generate_demo_voc)
from .fashion_mnist import *  # noqa: F401,F403
from .fashion_mnist import __all__ as _fashion_mnist_all
from .fashion_scenes import (FASHION_SCENES_CLASSES, FASHION_SCENES_PALETTE,
                             generate_fashion_scenes)

__all__ = [
    'DEMO_CLASSES', 'DEMO_COMMON_CLASSES', 'DEMO_PALETTE',
    'DEMO_RARE_FRACTIONS', 'generate_demo_voc', 'FASHION_SCENES_CLASSES',
    'FASHION_SCENES_PALETTE', 'generate_fashion_scenes'
] + _fashion_mnist_all
