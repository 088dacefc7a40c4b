# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny builders for mmpfb's tests (toy backbones, host models and
batches). Nothing here is registered; the host builders live in
``mmpfb.experiments.testing.segmentation`` and
``mmpfb.experiments.testing.classification``."""
from .toy_backbone import ToyBackbone, ToySplitter

__all__ = ['ToyBackbone', 'ToySplitter']
