# Copyright (c) mmpfb contributors. All rights reserved.
"""LeNet5 and AlexNet: a ``features`` sequence, then the classifier when
``num_classes > 0``; ``forward`` returns the last result alone in a
tuple."""
from abc import abstractmethod
from typing import Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter, last_conv_channels


class _FeaturesSplitter(StagewiseSplitter):
    """Stage ``i`` (from 1; there is no stem) runs the entries of
    ``features`` from ``stage_ends[i - 2]`` (0 for stage 1) up to
    ``stage_ends[i - 1]``: a convolution with what follows it. No stage
    result is an output of its own; with ``num_classes > 0`` the deep part
    ends with the classifier (:meth:`_classify`)."""

    min_stage = 1
    stage_ends: Tuple[int, ...] = ()

    def num_stages(self, backbone: nn.Module) -> int:
        return len(self.stage_ends)

    def channels(self, backbone: nn.Module) -> int:
        return last_conv_channels(
            self._stage_modules(backbone, self.block_stage))

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        start = self.stage_ends[stage - 2] if stage > 1 else 0
        return list(backbone.features[start:self.stage_ends[stage - 1]])

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return False

    @abstractmethod
    def _classify(self, backbone: nn.Module, x: Tensor) -> Tensor:
        """The classifier's scores from the last feature map ``x``."""

    def _pack(self, backbone: nn.Module, x: Tensor,
              outs: list) -> Tuple[Tensor]:
        if backbone.num_classes > 0:
            x = self._classify(backbone, x)
        return (x, )


@SPLITTERS.register_module()
class LeNet5Splitter(_FeaturesSplitter):
    """Splitter for MMPretrain's ``LeNet5``: stages 1 and 2 are a
    convolution, tanh and average pool, stage 3 the last convolution and
    tanh. The classifier gets the feature map squeezed, as in the
    backbone (a batch of one loses its batch dimension there too)."""

    backbones = ('mmpretrain.LeNet5', )
    stage_ends = (3, 6, 8)

    def _classify(self, backbone: nn.Module, x: Tensor) -> Tensor:
        return backbone.classifier(x.squeeze())


@SPLITTERS.register_module()
class AlexNetSplitter(_FeaturesSplitter):
    """Splitter for MMPretrain's ``AlexNet``: stage ``i`` is the ``i``-th
    convolution with its ReLU, and the max pool after it (stages 1, 2 and
    5). The classifier needs the 6x6 map of a 224x224 input."""

    backbones = ('mmpretrain.AlexNet', )
    stage_ends = (3, 6, 8, 10, 13)

    def _classify(self, backbone: nn.Module, x: Tensor) -> Tensor:
        return backbone.classifier(x.view(x.size(0), 256 * 6 * 6))
