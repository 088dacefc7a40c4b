# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter, last_conv_channels


@SPLITTERS.register_module()
class VGGSplitter(StagewiseSplitter):
    """Splitter for MMPretrain's ``VGG``.

    Stage ``i`` (1 to ``num_stages``) is the ``i``-th range of
    ``range_sub_modules`` in ``features``: its convolutions and max pool.
    There is no stem. With ``num_classes > 0`` the deep part ends with the
    classifier, whose scores follow the stage outputs as in the backbone's
    ``forward``.
    """

    backbones = ('mmpretrain.VGG', )
    min_stage = 1

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stage_blocks)

    def channels(self, backbone: nn.Module) -> int:
        return last_conv_channels(
            self._stage_modules(backbone, self.block_stage))

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        layers = getattr(backbone, backbone.module_name)
        start, end = backbone.range_sub_modules[stage - 1]
        return [layers[j] for j in range(start, end)]

    def _pack(self, backbone: nn.Module, x: Tensor,
              outs: list) -> Tuple[Tensor, ...]:
        if backbone.num_classes > 0:
            outs = outs + [backbone.classifier(x.view(x.size(0), -1))]
        return tuple(outs)
