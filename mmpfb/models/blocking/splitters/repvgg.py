# Copyright (c) mmpfb contributors. All rights reserved.
"""RepVGG and MobileOne: a stem block and named stages of
re-parameterisable blocks, run one after the other in both the training
and the deploy form."""
from typing import List

import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .sequential import Step, _SequentialSplitter


@SPLITTERS.register_module()
class RepVGGSplitter(_SequentialSplitter):
    """Splitter for MMPretrain's ``RepVGG``: stage 0 is ``stem``, stage
    ``i`` is ``stage_{i}``; the last one ends with ``ppf`` (an
    ``MTSPPF`` block or an identity) before its output.

    The split reads the blocks the backbone holds at each call, so it
    holds after ``switch_to_deploy``.
    """

    backbones = ('mmpretrain.RepVGG', )

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        last = len(backbone.stages) - 1
        stages = [[(getattr(backbone, name), i)]
                  for i, name in enumerate(backbone.stages)]
        stages[last] = [(getattr(backbone, backbone.stages[last]), None),
                        (backbone.ppf, last)]
        return [[(backbone.stem, None)]] + stages


@SPLITTERS.register_module()
class MobileOneSplitter(_SequentialSplitter):
    """Splitter for MMPretrain's ``MobileOne``: stage 0 is ``stage0``,
    stage ``i`` is ``stage{i}``.

    The split reads the blocks the backbone holds at each call, so it
    holds after ``switch_to_deploy``.
    """

    backbones = ('mmpretrain.MobileOne', )

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        stages = [[(getattr(backbone, name), i)]
                  for i, name in enumerate(backbone.stages)]
        return [[(backbone.stage0, None)]] + stages
