# Copyright (c) mmpfb contributors. All rights reserved.
from abc import abstractmethod
from typing import Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .shallow_state import ShallowState


class _ViTSplitter(BaseSplitter):
    """What the plain Vision Transformers of both hosts share.

    Stage 0 is the embedding (patches, class and distillation tokens,
    position embedding and what the backbone runs before its first layer);
    stage ``i`` is transformer layer ``i`` (``layers[i - 1]``, or what
    :meth:`_layers` names), so ``block_stage`` counts layers. The scored
    feature is the token sequence (extra tokens included) the last shallow
    layer outputs; the final norm belongs to the last layer. Outputs are
    collected as token sequences and put in the backbone's output format
    at the end of the deep part, so the kept rows of a collected output
    are those of its tokens.

    A host subclass embeds the patches, names the final norm and formats
    an output exactly as the backbone's ``forward`` does.
    """

    min_stage = 0

    def num_stages(self, backbone: nn.Module) -> int:
        return len(self._layers(backbone))

    def _layers(self, backbone: nn.Module) -> Sequence[nn.Module]:
        """The transformer layers, in the order ``forward`` runs them."""
        return backbone.layers

    @abstractmethod
    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        """Tokens, patch grid shape and the batch-independent values the
        layers need."""

    @abstractmethod
    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        """The modules :meth:`_embed` runs."""

    @abstractmethod
    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        """The norm after the last layer, if the backbone has one."""

    @abstractmethod
    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        """One output of ``forward`` from a layer's tokens."""

    def _outputs_embedding(self, backbone: nn.Module) -> bool:
        """Whether ``forward`` also outputs the embedded tokens."""
        return False

    def _run_layer(self, backbone: nn.Module, index: int, x: Tensor,
                   meta: dict) -> Tensor:
        return self._layers(backbone)[index](x)

    def _run_layers(self, backbone: nn.Module, x: Tensor, layers: range,
                    meta: dict, outs: list) -> Tensor:
        last = self.num_stages(backbone) - 1
        final_norm = self._final_norm(backbone)
        for i in layers:
            x = self._run_layer(backbone, i, x, meta)
            if i == last and final_norm is not None:
                x = final_norm(x)
            if i in backbone.out_indices:
                outs.append(x)
        return x

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        x, hw_shape, meta = self._embed(backbone, inputs)
        outs = [x] if self._outputs_embedding(backbone) else []
        x = self._run_layers(backbone, x, range(self.block_stage), meta, outs)
        return ShallowState(
            feature=x, carry=x, outs=outs, meta=dict(meta, hw_shape=hw_shape))

    def forward_deep(self, backbone: nn.Module, state: ShallowState) -> tuple:
        outs = list(state.outs)
        self._run_layers(backbone, state.carry,
                         range(self.block_stage, self.num_stages(backbone)),
                         state.meta, outs)
        hw_shape = state.meta['hw_shape']
        return tuple(self._format(backbone, x, hw_shape) for x in outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        for module in self._embedding_modules(backbone):
            yield from module.modules()
        for layer in self._layers(backbone)[:self.block_stage]:
            yield from layer.modules()
        final_norm = self._final_norm(backbone)
        if self.block_stage == self.num_stages(backbone) and final_norm:
            yield from final_norm.modules()


def _patch_map(tokens: Tensor, hw_shape: tuple) -> Tensor:
    """``(N, H * W, C)`` patch tokens as an ``(N, C, H, W)`` map."""
    n, _, c = tokens.shape
    return tokens.reshape(n, *hw_shape, c).permute(0, 3, 1, 2).contiguous()


@SPLITTERS.register_module()
class MMSegViTSplitter(_ViTSplitter):
    """Splitter for MMSegmentation's ``VisionTransformer`` (with
    ``with_cls_token``, ``output_cls_token``, ``pre_norm``,
    ``out_origin`` and ``final_norm`` as in its ``forward``)."""

    backbones = ('mmseg.VisionTransformer', )

    def channels(self, backbone: nn.Module) -> int:
        return backbone.cls_token.size(-1)

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        cls_tokens = backbone.cls_token.expand(inputs.size(0), -1, -1)
        x = torch.cat((cls_tokens, x), dim=1)
        x = backbone._pos_embeding(x, hw_shape, backbone.pos_embed)
        if not backbone.with_cls_token:
            x = x[:, 1:]
        if backbone.pre_norm:
            x = backbone.pre_ln(x)
        return x, hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed
        yield backbone.drop_after_pos
        if backbone.pre_norm:
            yield backbone.pre_ln

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return backbone.norm1 if backbone.final_norm else None

    def _outputs_embedding(self, backbone: nn.Module) -> bool:
        return backbone.out_origin

    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        patches = tokens[:, 1:] if backbone.with_cls_token else tokens
        out = _patch_map(patches, hw_shape)
        if backbone.output_cls_token:
            return [out, tokens[:, 0]]
        return out


@SPLITTERS.register_module()
class MMSegBEiTSplitter(_ViTSplitter):
    """Splitter for MMSegmentation's ``BEiT`` (relative position bias
    inside each layer, no absolute position embedding)."""

    backbones = ('mmseg.BEiT', )

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        cls_tokens = backbone.cls_token.expand(inputs.size(0), -1, -1)
        return torch.cat((cls_tokens, x), dim=1), hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return backbone.norm1 if backbone.final_norm else None

    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        return _patch_map(tokens[:, 1:], hw_shape)


@SPLITTERS.register_module()
class MMSegMAESplitter(MMSegBEiTSplitter):
    """Splitter for MMSegmentation's ``MAE``: BEiT's with an absolute
    position embedding."""

    backbones = ('mmseg.MAE', )

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape, meta = super()._embed(backbone, inputs)
        return x + backbone.pos_embed, hw_shape, meta


@SPLITTERS.register_module()
class MMPretrainViTSplitter(_ViTSplitter):
    """Splitter for MMPretrain's ``VisionTransformer``; outputs are made
    by the backbone's own ``_format_output`` (``out_type``)."""

    backbones = ('mmpretrain.VisionTransformer', )

    def channels(self, backbone: nn.Module) -> int:
        return backbone.embed_dims

    def _add_pos_embed(self, backbone: nn.Module, x: Tensor, hw_shape: tuple,
                       num_extra_tokens: int) -> Tensor:
        from mmpretrain.models.utils import resize_pos_embed
        return x + resize_pos_embed(
            backbone.pos_embed,
            backbone.patch_resolution,
            hw_shape,
            mode=backbone.interpolate_mode,
            num_extra_tokens=num_extra_tokens)

    @staticmethod
    def _prepend(x: Tensor, *tokens: Optional[Tensor]) -> Tensor:
        """``x`` after the given (non-None) extra tokens."""
        extra = [t.expand(x.size(0), -1, -1) for t in tokens if t is not None]
        return torch.cat(extra + [x], dim=1) if extra else x

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        x = self._prepend(x, backbone.cls_token)
        x = self._add_pos_embed(backbone, x, hw_shape,
                                backbone.num_extra_tokens)
        x = backbone.pre_norm(backbone.drop_after_pos(x))
        return x, hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed
        yield backbone.drop_after_pos
        yield backbone.pre_norm

    def _final_norm(self, backbone: nn.Module) -> Optional[nn.Module]:
        return backbone.ln1 if backbone.final_norm else None

    def _format(self, backbone: nn.Module, tokens: Tensor, hw_shape: tuple):
        return backbone._format_output(tokens, hw_shape)


@SPLITTERS.register_module()
class MMPretrainDeiTSplitter(MMPretrainViTSplitter):
    """Splitter for MMPretrain's ``DistilledVisionTransformer`` (DeiT):
    class and distillation tokens, no pre-norm."""

    backbones = ('mmpretrain.DistilledVisionTransformer', )

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        x = self._prepend(x, backbone.cls_token, backbone.dist_token)
        x = self._add_pos_embed(backbone, x, hw_shape,
                                backbone.num_extra_tokens)
        return backbone.drop_after_pos(x), hw_shape, {}

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield backbone.patch_embed
        yield backbone.drop_after_pos


@SPLITTERS.register_module()
class MMPretrainDeiT3Splitter(MMPretrainDeiTSplitter):
    """Splitter for MMPretrain's ``DeiT3``: the position embedding is
    added to the patches before the class token."""

    backbones = ('mmpretrain.DeiT3', )

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        x = backbone.drop_after_pos(
            self._add_pos_embed(backbone, x, hw_shape, 0))
        return self._prepend(x, backbone.cls_token), hw_shape, {}


@SPLITTERS.register_module()
class MMPretrainBEiTSplitter(MMPretrainDeiTSplitter):
    """Splitter for MMPretrain's ``BEiTViT``: optional absolute position
    embedding, and a shared relative position bias (computed once in the
    embedding) that every layer receives."""

    backbones = ('mmpretrain.BEiTViT', )

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple, dict]:
        x, hw_shape = backbone.patch_embed(inputs)
        x = self._prepend(x, backbone.cls_token)
        if backbone.pos_embed is not None:
            x = self._add_pos_embed(backbone, x, hw_shape,
                                    backbone.num_extra_tokens)
        x = backbone.drop_after_pos(x)
        rel_pos_bias = backbone.rel_pos_bias() \
            if backbone.rel_pos_bias is not None else None
        return x, hw_shape, dict(rel_pos_bias=rel_pos_bias)

    def _embedding_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield from super()._embedding_modules(backbone)
        if backbone.rel_pos_bias is not None:
            yield backbone.rel_pos_bias

    def _run_layer(self, backbone: nn.Module, index: int, x: Tensor,
                   meta: dict) -> Tensor:
        return backbone.layers[index](x, meta['rel_pos_bias'])
