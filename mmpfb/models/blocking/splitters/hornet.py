# Copyright (c) mmpfb contributors. All rights reserved.
import torch.nn as nn
from torch import Tensor
from torch.utils.checkpoint import checkpoint_sequential

from mmpfb.registry import SPLITTERS
from .convnext import ConvNeXtSplitter


@SPLITTERS.register_module()
class HorNetSplitter(ConvNeXtSplitter):
    """Splitter for MMPretrain's ``HorNet``, whose stages are laid out as
    ConvNeXt's (:class:`ConvNeXtSplitter`).

    Stage ``i`` has ``2 ** (i - 1)`` times the base width; its blocks run
    through ``checkpoint_sequential`` with ``with_cp`` and its output
    (``norm{i - 1}``, with ``gap_before_final_norm``) is made as in the
    backbone's ``forward``.
    """

    backbones = ('mmpretrain.HorNet', )

    def channels(self, backbone: nn.Module) -> int:
        return (backbone.arch_settings['base_dim'] *
                2**max(self.block_stage - 1, 0))

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        if stage == 0:
            return backbone.downsample_layers[0](x)
        if stage > 1:
            x = backbone.downsample_layers[stage - 1](x)
        blocks = backbone.stages[stage - 1]
        if backbone.with_cp:
            # the backbone's call, with torch's default said out loud
            return checkpoint_sequential(
                blocks, len(blocks), x, use_reentrant=True)
        return blocks(x)

    def _output(self, backbone: nn.Module, stage: int, x: Tensor) -> Tensor:
        if backbone.gap_before_final_norm:
            return super()._output(backbone, stage, x)
        return getattr(backbone, f'norm{stage - 1}')(x).contiguous()
