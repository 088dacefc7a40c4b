# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence

import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class ConvMixerSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``ConvMixer``: stage 0 is the patch
    embedding stem, stage ``i`` the ``i``-th ConvMixer layer
    (``stages[i - 1]``). Every stage keeps the embedding's resolution and
    width, so ``K`` counts layers as for a vision transformer."""

    backbones = ('mmpretrain.ConvMixer', )
    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        if stage == 0:
            return (backbone.stem, )
        return (backbone.stages[stage - 1], )
