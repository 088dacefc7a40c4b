# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny builders for mmpfb's tests (toy backbones, host models and
batches). Nothing here is registered; the host builders live in
``mmpfb.testing.segmentation`` and ``mmpfb.testing.classification``."""
from .toy_backbone import ToyBackbone, ToySplitter

__all__ = ['ToyBackbone', 'ToySplitter']
