# Copyright (c) mmpfb contributors. All rights reserved.
"""ShuffleNet V1 and V2: a convolution and a max pool, then a list of
layers run one after the other."""
from typing import List

import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .sequential import Step, _SequentialSplitter


class _ShuffleNetSplitter(_SequentialSplitter):
    """Stage 0 is ``conv1`` and ``maxpool``, stage ``i`` is
    ``layers[i - 1]`` (out index ``i - 1``)."""

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        stem = [(backbone.conv1, None), (backbone.maxpool, None)]
        return [stem] + [[(layer, i)]
                         for i, layer in enumerate(backbone.layers)]


@SPLITTERS.register_module()
class ShuffleNetV1Splitter(_ShuffleNetSplitter):
    """Splitter for MMPretrain's ``ShuffleNetV1`` (three layers of
    shuffle units; the last unit of a layer adds its residual, so its
    last convolution has the layer's channels)."""

    backbones = ('mmpretrain.ShuffleNetV1', )


@SPLITTERS.register_module()
class ShuffleNetV2Splitter(_ShuffleNetSplitter):
    """Splitter for MMPretrain's ``ShuffleNetV2`` (three layers of
    inverted residuals and a last 1x1 convolution layer)."""

    backbones = ('mmpretrain.ShuffleNetV2', )

    def channels(self, backbone: nn.Module) -> int:
        if 1 <= self.block_stage < len(backbone.layers):
            # an inverted residual concatenates the untouched half of its
            # input with its branch, whose last convolution has the other
            # half of the channels
            return 2 * super().channels(backbone)
        return super().channels(backbone)
