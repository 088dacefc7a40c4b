# Copyright (c) mmpfb contributors. All rights reserved.
"""Backbones whose ``forward`` runs a nested backbone (the context path)
on the input and fuses its outputs at the end: MMSegmentation's
``BiSeNetV1`` and ``STDCContextPathNet``."""
from abc import abstractmethod
from typing import Iterable, Iterator, List, Sequence

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .builder import build_splitter
from .shallow_state import ShallowState


class _ContextPathSplitter(BaseSplitter):
    """Cut the nested backbone where its own splitter cuts it.

    The shallow part runs the nested backbone's shallow part and every
    side branch that the backbone runs on the input (wholly: they start
    at the input); the deep part runs the nested backbone's deep part and
    then the fusion of its outputs with the side branches. Valid stages,
    the scored feature and its channels are the nested splitter's;
    outputs the nested backbone collects in the shallow part are cut to
    the kept rows with the rest of the state.
    """

    def __init__(self, backbone: nn.Module, block_stage: int) -> None:
        nested = self._nested_backbone(backbone)
        # every splitter accepts 1: the range is checked against this
        # backbone's name, then the nested splitter cuts at block_stage
        self.nested = build_splitter(nested, 1)
        self.min_stage = self.nested.min_stage
        super().__init__(backbone, block_stage)
        self.nested = build_splitter(nested, block_stage)

    @abstractmethod
    def _nested_backbone(self, backbone: nn.Module) -> nn.Module:
        """The backbone nested in ``backbone``."""

    def _side_branches(self, backbone: nn.Module,
                       inputs: Tensor) -> List[Tensor]:
        """The branches ``backbone`` runs on the input besides the nested
        backbone (none by default)."""
        return []

    def _side_modules(self, backbone: nn.Module) -> Iterable[nn.Module]:
        """The modules :meth:`_side_branches` runs."""
        return ()

    @abstractmethod
    def _fuse(self, backbone: nn.Module, nested_outs: Sequence[Tensor],
              side: List[Tensor]) -> Sequence[Tensor]:
        """What ``forward`` returns, from the nested backbone's outputs
        and the side branches."""

    def num_stages(self, backbone: nn.Module) -> int:
        return self.nested.num_stages(self._nested_backbone(backbone))

    def channels(self, backbone: nn.Module) -> int:
        return self.nested.channels(self._nested_backbone(backbone))

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        state = self.nested.forward_shallow(
            self._nested_backbone(backbone), inputs)
        side = self._side_branches(backbone, inputs)
        carry = state.carry
        nested_is_list = not isinstance(carry, Tensor)
        if side:
            carry = side + (list(carry) if nested_is_list else [carry])
        return ShallowState(
            feature=state.feature,
            carry=carry,
            outs=state.outs,
            meta=dict(
                nested=state.meta,
                num_side=len(side),
                nested_is_list=nested_is_list))

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        num_side = state.meta['num_side']
        side, carry = [], state.carry
        if num_side:
            side, carry = carry[:num_side], carry[num_side:]
            if not state.meta['nested_is_list']:
                carry = carry[0]
        nested = self._nested_backbone(backbone)
        nested_outs = self.nested.forward_deep(
            nested,
            ShallowState(
                feature=state.feature,
                carry=carry,
                outs=state.outs,
                meta=state.meta['nested']))
        return self._fuse(backbone, nested_outs, side)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield from self.nested.shallow_modules(self._nested_backbone(backbone))
        for module in self._side_modules(backbone):
            yield from module.modules()


@SPLITTERS.register_module()
class BiSeNetV1Splitter(_ContextPathSplitter):
    """Splitter for MMSegmentation's ``BiSeNetV1``: its context path's
    backbone (a ResNet in MMSegmentation's configs) is cut by that
    backbone's splitter. The spatial path starts at the input too, so
    the shallow part runs all of it (about 11% of the FLOPs with the
    default configuration); the context path's refinement and the
    feature fusion, which make every output, run in the deep part.
    """

    backbones = ('mmseg.BiSeNetV1', )

    def _nested_backbone(self, backbone: nn.Module) -> nn.Module:
        return backbone.context_path.backbone

    def _side_branches(self, backbone: nn.Module,
                       inputs: Tensor) -> List[Tensor]:
        return [backbone.spatial_path(inputs)]

    def _side_modules(self, backbone: nn.Module) -> Iterable[nn.Module]:
        return (backbone.spatial_path, )

    def _fuse(self, backbone: nn.Module, nested_outs: Sequence[Tensor],
              side: List[Tensor]) -> Sequence[Tensor]:
        path = backbone.context_path
        _, x_8, x_16, x_32 = nested_outs
        x_gap = path.gap_conv(x_32)
        x_32_sum = path.arm32(x_32) + x_gap
        x_32_up = F.interpolate(x_32_sum, size=x_16.shape[2:], mode='nearest')
        x_32_up = path.conv_head32(x_32_up)
        x_16_sum = path.arm16(x_16) + x_32_up
        x_16_up = F.interpolate(x_16_sum, size=x_8.shape[2:], mode='nearest')
        x_16_up = path.conv_head16(x_16_up)
        x_fuse = backbone.ffm(side[0], x_16_up)
        outs = [x_fuse, x_16_up, x_32_up]
        return tuple(outs[i] for i in backbone.out_indices)


@SPLITTERS.register_module()
class STDCContextPathNetSplitter(_ContextPathSplitter):
    """Splitter for MMSegmentation's ``STDCContextPathNet``: its
    ``STDCNet`` is cut by
    :class:`~mmpfb.models.blocking.splitters.STDCNetSplitter`; the
    attention refinement and the feature fusion run in the deep part.
    The first ``STDCNet`` output (1/8 of the input, read by the detail
    head) is made in the shallow part from stage 2 on and cut to the
    kept rows there.
    """

    backbones = ('mmseg.STDCContextPathNet', )

    def _nested_backbone(self, backbone: nn.Module) -> nn.Module:
        return backbone.backbone

    def _resize(self, backbone: nn.Module, x: Tensor, like: Tensor) -> Tensor:
        return F.interpolate(
            x,
            size=like.shape[2:],
            mode=backbone.upsample_mode,
            align_corners=backbone.align_corners)

    def _fuse(self, backbone: nn.Module, nested_outs: Sequence[Tensor],
              side: List[Tensor]) -> Sequence[Tensor]:
        outs = list(nested_outs)
        avg_feat = backbone.conv_avg(F.adaptive_avg_pool2d(outs[-1], 1))
        feature_up = self._resize(backbone, avg_feat, outs[-1])
        arms_out = []
        for i, arm in enumerate(backbone.arms):
            x_arm = arm(outs[len(outs) - 1 - i]) + feature_up
            feature_up = self._resize(backbone, x_arm,
                                      outs[len(outs) - 1 - i - 1])
            feature_up = backbone.convs[i](feature_up)
            arms_out.append(feature_up)
        feat_fuse = backbone.ffm(outs[0], arms_out[1])
        return tuple([outs[0]] + arms_out + [feat_fuse])
