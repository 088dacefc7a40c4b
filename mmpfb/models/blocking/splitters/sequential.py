# Copyright (c) mmpfb contributors. All rights reserved.
"""Backbones whose ``forward`` runs a list of stages one after the other
and collects the outputs at ``out_indices``: the mobile networks,
EfficientNet, RegNet and PoolFormer."""
from abc import abstractmethod
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmpfb.registry import SPLITTERS
from .stagewise_splitter import StagewiseSplitter, last_conv_channels

# One step of a stage: a module and the out index of its output (None
# when the backbone never outputs it).
Step = Tuple[nn.Module, Optional[int]]


class _SequentialSplitter(StagewiseSplitter):
    """Stage ``i`` is the ``i``-th entry of :meth:`_stages` (entry 0 is
    the stem); its steps run in turn and an output is collected after a
    step whose out index is in ``out_indices``. The scored feature is the
    stage's last output map."""

    min_stage = 0

    @abstractmethod
    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        """The steps of each stage, stem first."""

    def _step_output(self, backbone: nn.Module, index: int,
                     x: Tensor) -> Tensor:
        """The output at out index ``index`` of a step's result ``x``."""
        return x

    def _step_output_modules(self, backbone: nn.Module,
                             index: int) -> Iterable[nn.Module]:
        """Modules :meth:`_step_output` runs at out index ``index``."""
        return ()

    @staticmethod
    def _is_output(backbone: nn.Module, index: Optional[int]) -> bool:
        """Whether the backbone outputs the step of out index ``index``."""
        return index is not None and index in backbone.out_indices

    def num_stages(self, backbone: nn.Module) -> int:
        return len(self._stages(backbone)) - 1

    def channels(self, backbone: nn.Module) -> int:
        """Output channels of the last convolution of the stage."""
        return last_conv_channels(
            self._stage_modules(backbone, self.block_stage))

    def _stage_modules(self, backbone: nn.Module,
                       stage: int) -> Sequence[nn.Module]:
        return [module for module, _ in self._stages(backbone)[stage]]

    def _run_stage(self, backbone: nn.Module, stage: int, x: Tensor,
                   outs: list) -> Tensor:
        for module, index in self._stages(backbone)[stage]:
            x = module(x)
            if self._is_output(backbone, index):
                outs.append(self._step_output(backbone, index, x))
        return x

    def _output_modules(self, backbone: nn.Module,
                        stage: int) -> Iterator[nn.Module]:
        for _, index in self._stages(backbone)[stage]:
            if self._is_output(backbone, index):
                yield from self._step_output_modules(backbone, index)


class _NamedLayersSplitter(_SequentialSplitter):
    """``forward`` runs ``getattr(self, name)`` for each name in
    ``backbone.layers``; out index ``i`` is the ``i``-th layer.
    :attr:`stem` names modules run before the layers (stage 0), else the
    first layer is the stem."""

    stem: Tuple[str, ...] = ()

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        layers = [[(getattr(backbone, name), i)]
                  for i, name in enumerate(backbone.layers)]
        if self.stem:
            return [[(getattr(backbone, name), None)
                     for name in self.stem]] + layers
        return layers


@SPLITTERS.register_module()
class MobileNetV2Splitter(_NamedLayersSplitter):
    """Splitter for MMPretrain's ``MobileNetV2``: stage 0 is ``conv1``,
    stage ``i`` is ``layer{i}`` and the last one ``conv2``."""

    backbones = ('mmpretrain.MobileNetV2', )
    stem = ('conv1', )


@SPLITTERS.register_module()
class MMSegMobileNetV2Splitter(MobileNetV2Splitter):
    """Splitter for MMSegmentation's ``MobileNetV2`` (no ``conv2``),
    which returns a lone output as a tensor."""

    backbones = ('mmseg.MobileNetV2', )

    def _pack(self, backbone: nn.Module, x: Tensor,
              outs: list) -> Sequence[Tensor]:
        return outs[0] if len(outs) == 1 else tuple(outs)


@SPLITTERS.register_module()
class MobileNetV3Splitter(_NamedLayersSplitter):
    """Splitter for MMPretrain's ``MobileNetV3``: stage 0 is the stem
    convolution ``layer0``, stage ``i`` is ``layer{i}``."""

    backbones = ('mmpretrain.MobileNetV3', )


@SPLITTERS.register_module()
class MMSegMobileNetV3Splitter(MobileNetV3Splitter):
    """Splitter for MMSegmentation's ``MobileNetV3``, which returns a
    list."""

    backbones = ('mmseg.MobileNetV3', )
    outputs_type = list


@SPLITTERS.register_module()
class EfficientNetSplitter(_SequentialSplitter):
    """Splitter for MMPretrain's ``EfficientNet`` (and
    ``EfficientNetV2``): stage ``i`` is ``layers[i]``, stage 0 the
    stem."""

    backbones = ('mmpretrain.EfficientNet', 'mmpretrain.EfficientNetV2')

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        return [[(layer, i)] for i, layer in enumerate(backbone.layers)]


@SPLITTERS.register_module()
class RegNetSplitter(_SequentialSplitter):
    """Splitter for MMPretrain's ``RegNet``: stage 0 is the stem
    (``conv1``, ``norm1``, ``relu``), stage ``i`` is ``layer{i}``."""

    backbones = ('mmpretrain.RegNet', )

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        stem = [(backbone.conv1, None), (backbone.norm1, None),
                (backbone.relu, None)]
        return [stem] + [[(getattr(backbone, name), i)]
                         for i, name in enumerate(backbone.res_layers)]


@SPLITTERS.register_module()
class PoolFormerSplitter(_SequentialSplitter):
    """Splitter for MMPretrain's ``PoolFormer``: stage 0 is the patch
    embedding, stage ``i`` the ``i``-th block group of ``network`` with
    the downsampling embedding before it (if any); outputs go through
    ``norm{idx}``."""

    backbones = ('mmpretrain.PoolFormer', )

    def _stages(self, backbone: nn.Module) -> List[List[Step]]:
        stages, steps = [[(backbone.patch_embed, None)]], []
        for idx, block in enumerate(backbone.network):
            steps.append((block, idx))
            if not isinstance(block, type(backbone.patch_embed)):
                stages.append(steps)  # a block group ends a stage
                steps = []
        return stages

    def channels(self, backbone: nn.Module) -> int:
        norms = [
            m for module in self._stage_modules(backbone, self.block_stage)
            for m in module.modules() if isinstance(m, nn.GroupNorm)
        ]
        if not norms:  # the stem: the patch embedding's projection
            return backbone.patch_embed.proj.out_channels
        return norms[-1].num_channels

    def _step_output(self, backbone: nn.Module, index: int,
                     x: Tensor) -> Tensor:
        return getattr(backbone, f'norm{index}')(x)

    def _step_output_modules(self, backbone: nn.Module,
                             index: int) -> Iterable[nn.Module]:
        return (getattr(backbone, f'norm{index}'), )
