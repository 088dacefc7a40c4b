# Copyright (c) mmpfb contributors. All rights reserved.
"""Check a config's backbone splitter and measure where to cut it."""
import copy
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from torch import Tensor

from mmpfb.models.blocking.splitters import BaseSplitter, build_splitter


@dataclass
class StageReport:
    """What :func:`check_splitter` found for one ``block_stage``.

    Attributes:
        block_stage (int): The stage the shallow part ends with.
        checks (dict): ``'train'``, ``'eval'`` (and ``'train, frozen'``,
            ``'eval, frozen'`` when the backbone freezes stages) mapped to
            whether shallow then deep equals ``forward`` at every output.
        flops_share (float): The shallow part's share of the backbone's
            FLOPs (``mmengine.analysis.FlopAnalyzer``).
        params_share (float): Its share of the backbone's parameters.
    """
    block_stage: int
    checks: dict
    flops_share: float
    params_share: float

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(self.checks.values())


class _ShallowPart(nn.Module):
    """The shallow part as a module, so that FlopAnalyzer traces it."""

    def __init__(self, backbone: nn.Module, splitter: BaseSplitter) -> None:
        super().__init__()
        self.backbone = backbone
        self.splitter = splitter

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        state = self.splitter.forward_shallow(self.backbone, inputs)
        carry = [state.carry] if isinstance(state.carry, Tensor) else list(
            state.carry)
        return tuple(carry + list(state.outs))


def _flatten(outputs) -> List[Tensor]:
    """The tensors of ``outputs``, nested sequences flattened; a None
    (e.g. InceptionV3's auxiliary logits out of training) is left out."""
    if outputs is None:
        return []
    if isinstance(outputs, Tensor):
        return [outputs]
    return [t for out in outputs for t in _flatten(out)]


def _split_equals_forward(backbone: nn.Module, splitter: BaseSplitter,
                          inputs: Tensor, training: bool) -> bool:
    backbone.train(training)
    with torch.no_grad():
        torch.manual_seed(0)
        expected = _flatten(backbone(inputs))
        torch.manual_seed(0)
        got = _flatten(
            splitter.forward_deep(backbone,
                                  splitter.forward_shallow(backbone, inputs)))
    return len(got) == len(expected) and all(
        a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-5)
        for a, b in zip(got, expected))


def _flops(model: nn.Module, inputs: Tensor) -> int:
    model.eval()  # some backbones' train() returns None
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer.total()


def valid_stages(backbone: nn.Module) -> range:
    """The ``block_stage`` values the backbone's splitter accepts."""
    splitter = build_splitter(backbone, 1)  # every splitter accepts 1
    return range(splitter.min_stage, splitter.num_stages(backbone) + 1)


def check_splitter(build_backbone: Callable[..., nn.Module],
                   block_stages: Optional[Sequence[int]] = None,
                   input_shape: Tuple[int, int, int] = (3, 224, 224),
                   batch_size: int = 2) -> List[StageReport]:
    """Check shallow-then-deep against ``forward`` and measure the shallow
    part's share of the backbone's FLOPs and parameters.

    Args:
        build_backbone (Callable): Builds the backbone; called with no
            argument, and with ``frozen_stages=1`` to check a backbone
            with frozen stages (a ``TypeError`` or ``ValueError`` from
            that call means the backbone has none).
        block_stages (Sequence[int], optional): Stages to check. None
            checks every valid one. Defaults to None.
        input_shape (tuple[int, int, int]): ``(C, H, W)`` of the random
            input. Defaults to (3, 224, 224).
        batch_size (int): Samples of the random input (at least 2 for
            batch norm in training mode). Defaults to 2.

    Returns:
        list[StageReport]: One report per stage.
    """
    backbone = build_backbone()
    try:
        frozen = build_backbone(frozen_stages=1)
    except (TypeError, ValueError):
        frozen = None
    if block_stages is None:
        block_stages = valid_stages(backbone)
    inputs = torch.randn(batch_size, *input_shape)
    total_flops = _flops(backbone, inputs[:1])
    total_params = sum(p.numel() for p in backbone.parameters())
    reports = []
    for block_stage in block_stages:
        splitter = build_splitter(backbone, block_stage)
        checks = {}
        for name, model in (('', backbone), (', frozen', frozen)):
            if model is None:
                continue
            for training in (True, False):
                mode = ('train' if training else 'eval') + name
                checks[mode] = _split_equals_forward(
                    model, build_splitter(model, block_stage), inputs,
                    training)
        shallow_params = {
            id(p): p.numel()
            for m in splitter.shallow_modules(backbone)
            for p in m.parameters(recurse=False)
        }
        reports.append(
            StageReport(
                block_stage=block_stage,
                checks=checks,
                flops_share=_flops(
                    _ShallowPart(backbone, splitter), inputs[:1]) /
                total_flops,
                params_share=sum(shallow_params.values()) / total_params))
    return reports


def build_config_backbone(cfg) -> Callable[..., nn.Module]:
    """A builder of the backbone of a config's model, in the config's
    default scope, without pretrained weights.

    Args:
        cfg (mmengine.Config): The config.

    Returns:
        Callable: ``build(**overrides)`` returning a fresh backbone.
    """
    from mmengine.registry import MODELS, DefaultScope

    from mmpfb.utils import register_all_modules
    register_all_modules()
    backbone_cfg = copy.deepcopy(cfg.model.backbone)
    backbone_cfg.pop('init_cfg', None)
    backbone_cfg.pop('pretrained', None)
    scope = cfg.get('default_scope', 'mmengine')

    def build(**overrides) -> nn.Module:
        torch.manual_seed(0)
        with DefaultScope.overwrite_default_scope(scope):
            return MODELS.build({**backbone_cfg, **overrides})

    return build
