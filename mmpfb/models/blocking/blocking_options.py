# Copyright (c) mmpfb contributors. All rights reserved.
"""The options of the PFB step: their names, their checks and a config's
``pfb`` dict split into the settings of the step's parts."""
from dataclasses import fields
from typing import Optional, Tuple

from mmpfb.utils.arg_checks import (check_bool, check_choice, check_int,
                                    check_number)
from ..density import DensitySettings
from .selection_criteria import SELECTION_CRITERIA

SHALLOW_GRAD_MODES = ('auto', 'reuse', 'recompute')
#: The step's own options (besides ``block_stage`` and the fields of
#: :class:`DensitySettings`), as
#: :class:`~.partial_forward_blocking.PartialForwardBlocking` takes them.
STEP_OPTIONS = ('prune_ratio', 'min_keep', 'shallow_grad', 'criterion',
                'auto_trials', 'auto_tolerance', 'class_quota',
                'sampling_strength', 'loss_memory_weight', 'loss_memory_size')


def option_names() -> Tuple[str, ...]:
    """The keys a config's ``pfb`` dict may have, sorted:
    ``block_stage``, the step's options and the fields of
    :class:`DensitySettings`."""
    density = {f.name for f in fields(DensitySettings)}
    return tuple(sorted(set(STEP_OPTIONS) | density | {'block_stage'}))


def split_pfb_config(cfg: dict) -> Tuple[int, DensitySettings, dict]:
    """A config's flat ``pfb`` dict as ``block_stage``, the density
    estimator's settings and the step's options.

    Args:
        cfg (dict): E.g. ``dict(block_stage=3, prune_ratio=0.3,
            num_centroids=64)``.

    Returns:
        tuple[int, DensitySettings, dict]: The three parts.

    Raises:
        TypeError: ``cfg`` is no dict.
        ValueError: ``block_stage`` is missing or a key is unknown.
    """
    if not isinstance(cfg, dict):
        raise TypeError('pfb must be a dict of PFB options, but got '
                        f'{cfg!r}')
    cfg = dict(cfg)
    if 'block_stage' not in cfg:
        raise ValueError('pfb needs block_stage (the last stage of the '
                         f'shallow part), but got {cfg!r}')
    unknown = sorted(set(cfg) - set(option_names()))
    if unknown:
        raise ValueError(f'unknown pfb option(s) {unknown}; valid '
                         f'options: {list(option_names())}')
    density_keys = {f.name for f in fields(DensitySettings)}
    density = DensitySettings(
        **{k: cfg.pop(k)
           for k in list(cfg) if k in density_keys})
    return cfg.pop('block_stage'), density, cfg


def check_prune_ratio(prune_ratio: float) -> None:
    """``p`` must be in [0, 1)."""
    check_number('prune_ratio', prune_ratio, 0, 1)


def check_step_options(prune_ratio: float, min_keep: Optional[int],
                       shallow_grad: str, criterion: str, auto_trials: int,
                       auto_tolerance: float, class_quota: bool,
                       sampling_strength: float, loss_memory_weight: float,
                       loss_memory_size: Optional[int]) -> None:
    """Check the step's options alone and together; the arguments are
    those of :class:`~.partial_forward_blocking.PartialForwardBlocking`.

    Raises:
        ValueError: Naming the option and its value.
    """
    check_prune_ratio(prune_ratio)
    check_int('min_keep', min_keep, 1, optional=True)
    check_choice('shallow_grad', shallow_grad, SHALLOW_GRAD_MODES)
    check_int('auto_trials', auto_trials, 1)
    check_number('auto_tolerance', auto_tolerance, 0, 1)
    check_choice('criterion', criterion, tuple(SELECTION_CRITERIA))
    check_bool('class_quota', class_quota)
    check_number('sampling_strength', sampling_strength, 0)
    check_number('loss_memory_weight', loss_memory_weight, 0)
    spec = SELECTION_CRITERIA[criterion]
    if class_quota and spec.weights_losses:
        raise ValueError('class_quota=True does not combine with '
                         f'criterion={criterion!r}')
    if loss_memory_weight == 0 and loss_memory_size is not None:
        raise ValueError(
            f'loss_memory_size={loss_memory_size!r} sizes the loss memory, '
            'which is off: set loss_memory_weight > 0 to use it, or drop '
            'loss_memory_size')
    if loss_memory_weight > 0 and not spec.takes_loss_memory:
        takers = ' or '.join(
            repr(name) for name, other in SELECTION_CRITERIA.items()
            if other.takes_loss_memory)
        raise ValueError(
            f'loss_memory_weight={loss_memory_weight!r} combines with '
            f'criterion={takers} only, but got criterion={criterion!r}')
