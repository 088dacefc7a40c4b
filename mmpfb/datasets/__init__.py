# Copyright (c) mmpfb contributors. All rights reserved.
"""Data: the generated demos, Fashion-MNIST files and garment scenes (numpy
and OpenCV only: importing this package imports neither torch nor a host).
The host data sets and samplers (``LongTailFashionMNIST``, the InfoBatch
samplers) are imported through the registries' locations or
:func:`mmpfb.utils.register_all_modules`."""
from .demo_voc import (DEMO_CLASSES, DEMO_COMMON_CLASSES, DEMO_PALETTE,
                       DEMO_RARE_FRACTIONS, generate_demo_voc)
from .fashion_mnist import *  # noqa: F401,F403
from .fashion_scenes import (FASHION_SCENES_CLASSES, FASHION_SCENES_PALETTE,
                             generate_fashion_scenes)

__all__ = [
    'DEMO_CLASSES', 'DEMO_COMMON_CLASSES', 'DEMO_PALETTE',
    'DEMO_RARE_FRACTIONS', 'generate_demo_voc', 'FASHION_SCENES_CLASSES',
    'FASHION_SCENES_PALETTE', 'generate_fashion_scenes'
]
