# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, List

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


@SPLITTERS.register_module()
class UNetSplitter(BaseSplitter):
    """Splitter for MMSegmentation's UNet.

    Stage ``i`` is encoder block ``encoder[i - 1]`` (UNet has no stem of
    its own), so the shallow part is encoder stages ``1..k``. The deep
    part is the rest of the encoder and the whole decoder: every decoder
    block, and the skip feature each one reads, sees the kept rows only.
    The split is exact because UNet's ``forward`` is one pass down the
    encoder and one pass up the decoder, each decoder block reading only
    its own sample's skip feature; ``ShallowState.outs`` carries the skip
    features of stages ``1..k-1`` (``carry`` is stage ``k``'s, which is
    also a skip feature when a decoder block reads it).
    """

    backbones = ('mmseg.UNet', )
    min_stage = 1

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.encoder)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.base_channels * 2**(self.block_stage - 1)

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        backbone._check_input_divisible(inputs)
        skips = []
        x = inputs
        for enc in backbone.encoder[:self.block_stage]:
            x = enc(x)
            skips.append(x)
        return ShallowState(feature=x, carry=x, outs=skips[:-1])

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> List[Tensor]:
        x = state.carry
        enc_outs = list(state.outs) + [x]
        for enc in backbone.encoder[self.block_stage:]:
            x = enc(x)
            enc_outs.append(x)
        dec_outs = [x]
        for i in reversed(range(len(backbone.decoder))):
            x = backbone.decoder[i](enc_outs[i], x)
            dec_outs.append(x)
        return dec_outs

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for enc in backbone.encoder[:self.block_stage]:
            yield from enc.modules()
