# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List

import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .sequential import Step, _SequentialSplitter


@SPLITTERS.register_module()
class MobileViTSplitter(_SequentialSplitter):
    """Splitter for MMPretrain's ``MobileViT``: stage 0 is ``stem``,
    stage ``i`` is ``layers[i - 1]`` (inverted residuals, from the third
    on followed by a MobileViT block); the last one ends with
    ``conv_1x1_exp`` before its output."""

    backbones = ('mmpretrain.MobileViT', )

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        last = len(backbone.layers) - 1
        stages = [[(layer, i)] for i, layer in enumerate(backbone.layers)]
        stages[last] = [(backbone.layers[last], None),
                        (backbone.conv_1x1_exp, last)]
        return [[(backbone.stem, None)]] + stages
