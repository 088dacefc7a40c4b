# Copyright (c) mmpfb contributors. All rights reserved.
"""Backbones PFB does not split, each with the reason a user is told.

A backbone is refused when its ``forward`` is not a chain with a point
after which most of the cost lies: PFB must run every sample up to the
cut and only the kept samples after it, so a cut must leave one state
that the rest of the forward continues from.
"""
from typing import Dict

REFUSED_BACKBONES: Dict[str, str] = {
    'mmseg.BiSeNetV2':
    'its detail and semantic branches both start at the input, and the '
    'detail branch, which holds about four fifths of the FLOPs, runs at '
    '1/2 to 1/8 resolution until the final aggregation, so every cut '
    'leaves most of the cost in the part that runs on every sample',
}
