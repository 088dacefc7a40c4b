# Copyright (c) mmpfb contributors. All rights reserved.
"""The harness's generated data sets: the demo's VOC layout and shapes,
and the garment scenes made of Fashion-MNIST (numpy and OpenCV only:
importing this package imports neither torch nor a host)."""
from .demo_voc import (DEMO_CLASSES, DEMO_COMMON_CLASSES, DEMO_PALETTE,
                       DEMO_RARE_FRACTIONS, generate_demo_voc)
from .fashion_scenes import (FASHION_SCENES_CLASSES, FASHION_SCENES_PALETTE,
                             generate_fashion_scenes)

__all__ = [
    'DEMO_CLASSES', 'DEMO_COMMON_CLASSES', 'DEMO_PALETTE',
    'DEMO_RARE_FRACTIONS', 'generate_demo_voc', 'FASHION_SCENES_CLASSES',
    'FASHION_SCENES_PALETTE', 'generate_fashion_scenes'
]
