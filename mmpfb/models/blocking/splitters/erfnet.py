# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List, Sequence

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class ERFNetSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's ``ERFNet``, whose ``forward`` runs
    its encoder and then its decoder block by block.

    A stage starts at each down- or upsampling block and holds the
    non-bottleneck blocks after it: stage 0 is the first downsampling
    block (1/2 of the input), stages 1 to ``n - 1`` are the other encoder
    stages (1/4, 1/8 with the defaults) and the last stages the decoder
    (1/4, 1/2). The only output, the decoder's last map, is returned in a
    list.
    """

    backbones = ('mmseg.ERFNet', )
    min_stage = 0

    @staticmethod
    def _stage_lengths(backbone: nn.Module) -> List[int]:
        """Blocks of each stage, in the order ``forward`` runs them."""
        encoder = [1] + [1 + n for n in backbone.enc_stage_non_bottlenecks]
        decoder = [1 + n for n in backbone.dec_stages_non_bottleneck]
        return encoder + decoder

    def num_stages(self, backbone: nn.Module) -> int:
        return len(self._stage_lengths(backbone)) - 1

    def channels(self, backbone: nn.Module) -> int:
        encoder = backbone.enc_downsample_channels
        if self.block_stage < len(encoder):
            return encoder[self.block_stage]
        return backbone.dec_non_bottleneck_channels[self.block_stage -
                                                    len(encoder)]

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        blocks = list(backbone.encoder) + list(backbone.decoder)
        lengths = self._stage_lengths(backbone)
        start = sum(lengths[:stage])
        return blocks[start:start + lengths[stage]]

    def _keeps_output(self, backbone: nn.Module, stage: int) -> bool:
        return False

    def _pack(self, backbone: nn.Module, x: Tensor,
              outs: list) -> Sequence[Tensor]:
        return [x]
