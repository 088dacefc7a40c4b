# Copyright (c) mmpfb contributors. All rights reserved.
"""The parent model and its PFB twins, built from one config."""
import copy
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import MODELS, DefaultScope

from mmpfb.models.blocking import PFBModelMixin


def _model_cfg(cfg: Config) -> ConfigDict:
    model_cfg = copy.deepcopy(cfg.model)
    if 'pfb' not in model_cfg:
        raise ValueError(f'{cfg.filename} has no model.pfb: give the PFB '
                         'config, not its full-data twin')
    # random weights: timing and memory do not depend on their values
    model_cfg.pop('pretrained', None)
    if 'init_cfg' in model_cfg.get('backbone', {}):
        model_cfg.backbone.init_cfg = None
    return model_cfg


def build_model(cfg: Config,
                pfb_options: dict = None,
                parent: bool = False) -> nn.Module:
    """Build ``cfg``'s PFB model (or its host parent) for the benchmark.

    Pretrained weights are not loaded, SyncBN becomes BN, and the model is
    in training mode.

    Args:
        cfg (Config): A config whose model has a ``pfb`` dict.
        pfb_options (dict, optional): Overrides of ``model.pfb``, e.g.
            ``dict(prune_ratio=0.5, shallow_grad='reuse')``.
            Defaults to None.
        parent (bool): Build the host model the PFB class derives from
            (``EncoderDecoder``, ``ImageClassifier``) with the same
            arguments, without ``pfb``. Defaults to False.

    Returns:
        nn.Module: The model, on the CPU.
    """
    model_cfg = _model_cfg(cfg)
    model_cfg.pfb.update(pfb_options or {})
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        model = MODELS.build(model_cfg)
        if parent:
            # the host class: the first base that is not part of the mixin
            # (the mixin brings bases of its own, such as the per-sample
            # loss mixin)
            parent_cls = next(
                c for c in type(model).__mro__[1:]
                if c not in PFBModelMixin.__mro__)
            kwargs = {
                k: v
                for k, v in model_cfg.items()
                if k not in ('type', 'pfb', '_scope_')
            }
            model = parent_cls(**kwargs)
    return revert_sync_batchnorm(model).train()


class BenchModels:
    """The parent and one PFB twin per prune ratio and ``shallow_grad``
    mode, all with the same weights and the same filled estimator.

    Each twin is built from the config with its own ``prune_ratio`` and
    ``shallow_grad``, so it runs as in training and keeps any state of its
    own (such as what ``'auto'`` learns) across the rounds. ``template``
    is a further twin whose estimator the scoring measurement updates.

    Args:
        cfg (Config): A config whose model has a ``pfb`` dict.
        ratios (Sequence[float]): Prune ratios.
        modes (Sequence[str]): ``shallow_grad`` modes.
        device (torch.device): Where the models run.
    """

    def __init__(self, cfg: Config, ratios: Sequence[float],
                 modes: Sequence[str], device: torch.device) -> None:
        self.template = build_model(cfg).to(device)
        self.parent = build_model(cfg, parent=True).to(device)
        self.parent.load_state_dict(self.template.state_dict(), strict=False)
        self.twins: Dict[Tuple[float, str], nn.Module] = {
            (p, mode):
            build_model(cfg, dict(prune_ratio=p, shallow_grad=mode)).to(device)
            for p in ratios
            for mode in modes
        }

    def fill_estimator(self, inputs: torch.Tensor, samples: list) -> None:
        """Fill the template's centroids from ``inputs`` with pruning off,
        then give every twin the template's weights and estimator."""
        model = self.template
        model.set_pruning(enabled=False)
        with torch.no_grad():
            while not model.blocker.estimator.is_ready:
                model.loss(inputs, copy.deepcopy(samples))
        model.set_pruning(enabled=True)
        state = model.state_dict()
        for twin in self.twins.values():
            twin.load_state_dict(state)
