# Copyright (c) mmpfb contributors. All rights reserved.
from abc import abstractmethod
from typing import Iterator, Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


class _SwinSplitter(BaseSplitter):
    """What the Swin Transformers of both hosts share.

    Stage 0 is the patch embedding (with the absolute position embedding
    and its dropout); stage ``i`` is ``stages[i - 1]``. The scored feature
    of a stage is the tokens it outputs; the deep part continues from the
    merged tokens. Host subclasses embed the patches, run the stages and
    say which container the backbone returns.
    """

    min_stage = 0
    outputs_type: type = tuple

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    @abstractmethod
    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple]:
        """Patch embedding, position embedding and its dropout."""

    @abstractmethod
    def _run_stages(self, backbone: nn.Module, x: Tensor, hw_shape: tuple,
                    stages: range, outs: list) -> Tuple[Tensor, tuple, Tensor]:
        """Run ``stages``, appending the backbone's outputs to ``outs``;
        return the merged tokens, their shape and the scored tokens."""

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        """The modules :meth:`_embed` runs."""
        yield backbone.patch_embed
        yield backbone.drop_after_pos

    @staticmethod
    def _output(backbone: nn.Module, i: int, tokens: Tensor,
                hw_shape: tuple) -> Tensor:
        """The backbone's output of stage index ``i``: its norm of
        ``tokens`` as an ``(N, C, H, W)`` map."""
        out = getattr(backbone, f'norm{i}')(tokens)
        out = out.view(-1, *hw_shape, backbone.num_features[i])
        return out.permute(0, 3, 1, 2).contiguous()

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        x, hw_shape = self._embed(backbone, inputs)
        outs = []
        x, hw_shape, feature = self._run_stages(backbone, x, hw_shape,
                                                range(self.block_stage), outs)
        return ShallowState(
            feature=feature, carry=x, outs=outs, meta=dict(hw_shape=hw_shape))

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        outs = list(state.outs)
        self._run_stages(backbone, state.carry, state.meta['hw_shape'],
                         range(self.block_stage, len(backbone.stages)), outs)
        return self.outputs_type(outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for module in self._embedding_modules(backbone):
            yield from module.modules()
        for stage in backbone.stages[:self.block_stage]:
            yield from stage.modules()
        for i in range(self.block_stage):
            if i in backbone.out_indices:
                yield from getattr(backbone, f'norm{i}').modules()


@SPLITTERS.register_module()
class MMSegSwinSplitter(_SwinSplitter):
    """Splitter for MMSegmentation's ``SwinTransformer``; a stage's scored
    tokens are those before patch merging."""

    backbones = ('mmseg.SwinTransformer', )
    outputs_type = list

    def channels(self, backbone: nn.Module) -> int:
        return backbone.num_features[max(self.block_stage - 1, 0)]

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple]:
        x, hw_shape = backbone.patch_embed(inputs)
        if backbone.use_abs_pos_embed:
            x = x + backbone.absolute_pos_embed
        return backbone.drop_after_pos(x), hw_shape

    def _run_stages(self, backbone: nn.Module, x: Tensor, hw_shape: tuple,
                    stages: range, outs: list) -> Tuple[Tensor, tuple, Tensor]:
        out = x
        for i in stages:
            x, hw_shape, out, out_hw_shape = backbone.stages[i](x, hw_shape)
            if i in backbone.out_indices:
                outs.append(self._output(backbone, i, out, out_hw_shape))
        return x, hw_shape, out


@SPLITTERS.register_module()
class MMPretrainSwinSplitter(_SwinSplitter):
    """Splitter for MMPretrain's ``SwinTransformer``; a stage's scored
    tokens are those it outputs (after patch merging with
    ``out_after_downsample``)."""

    backbones = ('mmpretrain.SwinTransformer', )
    outputs_type = tuple

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.embed_dims
        return backbone.num_features[self.block_stage - 1]

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple]:
        from mmpretrain.models.utils import resize_pos_embed
        x, hw_shape = backbone.patch_embed(inputs)
        if backbone.use_abs_pos_embed:
            x = x + resize_pos_embed(
                backbone.absolute_pos_embed, backbone.patch_resolution,
                hw_shape, backbone.interpolate_mode, backbone.num_extra_tokens)
        return backbone.drop_after_pos(x), hw_shape

    def _run_stages(self, backbone: nn.Module, x: Tensor, hw_shape: tuple,
                    stages: range, outs: list) -> Tuple[Tensor, tuple, Tensor]:
        feature = x
        for i in stages:
            stage = backbone.stages[i]
            x, hw_shape = stage(
                x, hw_shape, do_downsample=backbone.out_after_downsample)
            feature = x
            if i in backbone.out_indices:
                outs.append(self._output(backbone, i, x, hw_shape))
            if (stage.downsample is not None
                    and not backbone.out_after_downsample):
                x, hw_shape = stage.downsample(x, hw_shape)
        return x, hw_shape, feature


@SPLITTERS.register_module()
class MMPretrainSwinV2Splitter(MMPretrainSwinSplitter):
    """Splitter for MMPretrain's ``SwinTransformerV2``, whose stage ``i``
    merges patches (from stage 2 on) before its blocks; a stage's scored
    tokens are those it outputs, before the output norm ``norm{i - 1}``.
    """

    backbones = ('mmpretrain.SwinTransformerV2', )

    def channels(self, backbone: nn.Module) -> int:
        if self.block_stage == 0:
            return backbone.embed_dims
        return backbone.stages[self.block_stage - 1].out_channels

    def _run_stages(self, backbone: nn.Module, x: Tensor, hw_shape: tuple,
                    stages: range, outs: list) -> Tuple[Tensor, tuple, Tensor]:
        for i in stages:
            stage = backbone.stages[i]
            x, hw_shape = stage(x, hw_shape)
            if i in backbone.out_indices:
                out = getattr(backbone, f'norm{i}')(x)
                out = out.view(-1, *hw_shape, stage.out_channels)
                outs.append(out.permute(0, 3, 1, 2).contiguous())
        return x, hw_shape, x
