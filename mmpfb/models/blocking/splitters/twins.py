# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter


@SPLITTERS.register_module()
class TwinsSplitter(StagewiseSplitter):
    """Splitter for MMSegmentation's Twins backbones, ``PCPVT`` and
    ``SVT`` (which keeps PCPVT's ``forward``).

    Stages run from 1 (stage 1's patch embedding is the stem); stage
    ``i`` is the patch embedding, position-encoding dropout, layers (the
    conditional position encoding after the first), optional norm of
    index ``i - 1``; its ``(N, C, H, W)`` output is scored.
    """

    backbones = ('mmseg.PCPVT', )
    min_stage = 1

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.depths)

    def channels(self, backbone: nn.Module) -> int:
        return backbone.patch_embeds[self.block_stage -
                                     1].projection.out_channels

    def _layers(self, backbone: nn.Module, i: int) -> nn.ModuleList:
        """The transformer layers of stage ``i + 1``."""
        return backbone.layers[i]

    def _norms(self, backbone: nn.Module, i: int) -> Tuple[nn.Module, ...]:
        """The norm after stage ``i + 1``, if the backbone has one."""
        return (backbone.norm_list[i], ) if backbone.norm_after_stage else ()

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        i = stage - 1
        return (backbone.patch_embeds[i], backbone.position_encoding_drops[i],
                self._layers(backbone, i),
                backbone.position_encodings[i]) + self._norms(backbone, i)

    def _forward_stage(self, backbone: nn.Module, stage: int,
                       x: Tensor) -> Tensor:
        i = stage - 1
        x, hw_shape = backbone.patch_embeds[i](x)
        h, w = hw_shape
        x = backbone.position_encoding_drops[i](x)
        for j, blk in enumerate(self._layers(backbone, i)):
            x = blk(x, hw_shape)
            if j == 0:
                x = backbone.position_encodings[i](x, hw_shape)
        for norm in self._norms(backbone, i):
            x = norm(x)
        return x.reshape(x.size(0), h, w, -1).permute(0, 3, 1, 2).contiguous()


@SPLITTERS.register_module()
class MMPretrainTwinsSplitter(TwinsSplitter):
    """Splitter for MMPretrain's Twins backbones, ``PCPVT`` and ``SVT``
    (which keeps PCPVT's ``forward``).

    Stages as in :class:`TwinsSplitter`; a stage's layers are
    ``stages[i - 1]`` and its norm (an identity unless
    ``norm_after_stage`` asks for one) ``norm_after_stage{i - 1}``.
    """

    backbones = ('mmpretrain.PCPVT', )

    def _layers(self, backbone: nn.Module, i: int) -> nn.ModuleList:
        return backbone.stages[i]

    def _norms(self, backbone: nn.Module, i: int) -> Tuple[nn.Module, ...]:
        return (getattr(backbone, f'norm_after_stage{i}'), )
