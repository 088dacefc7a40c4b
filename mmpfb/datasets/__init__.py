# Copyright (c) mmpfb contributors. All rights reserved.
from .demo_voc import (DEMO_CLASSES, DEMO_COMMON_CLASSES, DEMO_PALETTE,
                       DEMO_RARE_FRACTIONS, generate_demo_voc)

__all__ = [
    'DEMO_CLASSES', 'DEMO_COMMON_CLASSES', 'DEMO_PALETTE',
    'DEMO_RARE_FRACTIONS', 'generate_demo_voc'
]
