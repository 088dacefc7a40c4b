# Copyright (c) mmpfb contributors. All rights reserved.
"""The shortened schedule of a time-matched run.

A time-matched method (e.g. ``full_time_matched``) trains like its base
method (full data) for fewer iterations, or epochs, so that its training
time equals its target's (PFB at the same prune ratio). Its time ratio
is measured on the finished runs of the same config:

``time_ratio = T_target / T_base``

the mean training time of the target runs at that ratio over the mean
of the base runs, both over the spec's seeds. A training time is the sum
of the logged iteration times (data loading included; start-up,
evaluation and checkpoints excluded). Such times compare only when the
runs shared the machine equally; a config may instead give the ratio
measured apart (e.g. by ``benchmark_pfb.py``'s interleaved rounds).

The run then trains ``max(1, round(L * time_ratio))`` of the base's
``L`` epochs or iterations. Where epochs are too coarse (two epochs at a
time ratio of 0.72 would round to one), the schedule is first converted
to the same training counted in iterations (:func:`epochs_to_iterations`)
and then shortened. The whole recipe is compressed by the same factor:
the integer ``begin``, ``end``, ``milestones`` and ``T_max`` of every
parameter scheduler are scaled, and a validation interval longer than
the new schedule is cut to it, so the learning rate still completes its
decay. The warm-up of a scheduler is compressed with the rest; hooks
with their own schedule (e.g. ``PFBHook``'s ``begin``) are left as they
are.
"""
import copy
from typing import Callable, List, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmpfb.utils.arg_checks import check_choice, check_int

SCALED_KEYS = ('begin', 'end', 'T_max')


def schedule_of(cfg: Config) -> Tuple[str, int]:
    """The unit and length of a config's training schedule.

    Args:
        cfg (Config): A training config.

    Returns:
        tuple[str, int]: ``('epoch', max_epochs)`` or
        ``('iter', max_iters)``.
    """
    for unit in ('epoch', 'iter'):
        length = cfg.train_cfg.get(f'max_{unit}s')
        if length is not None:
            return unit, int(length)
    raise ValueError('train_cfg must set max_epochs or max_iters, but the '
                     f'config {cfg.filename} has {dict(cfg.train_cfg)}')


def _scale(value: float, factor: float) -> int:
    return int(value * factor + 0.5)


def scaled_length(length: int, time_ratio: float) -> int:
    """The schedule length that takes ``time_ratio`` of the time.

    Args:
        length (int): The base's schedule length.
        time_ratio (float): The target's training time over the base's.

    Returns:
        int: ``max(1, round(length * time_ratio))``.
    """
    return max(1, _scale(length, time_ratio))


def measured_time_ratio(base_seconds: Sequence[float],
                        target_seconds: Sequence[float]) -> float:
    """The target runs' mean training time over the base runs'.

    Args:
        base_seconds (Sequence[float]): Training times of the base runs.
        target_seconds (Sequence[float]): Training times of the target
            runs.

    Returns:
        float: ``mean(target) / mean(base)``.
    """
    if not base_seconds or not target_seconds:
        raise ValueError('time matching needs finished base and target '
                         f'runs, got {len(base_seconds)} and '
                         f'{len(target_seconds)}')
    base = sum(base_seconds) / len(base_seconds)
    target = sum(target_seconds) / len(target_seconds)
    return target / base


def _param_schedulers(cfg: Config) -> List[ConfigDict]:
    """The config's parameter schedulers as a list (none: empty)."""
    schedulers = cfg.get('param_scheduler') or []
    return [schedulers] if isinstance(schedulers, dict) else list(schedulers)


def _rescale_positions(scheduler: dict, rescale: Callable[[int], int]) -> None:
    """Map a scheduler's integer ``begin``, ``end``, ``T_max`` and
    ``milestones`` through ``rescale``, in place."""
    for key in SCALED_KEYS:
        if isinstance(scheduler.get(key), int):
            scheduler[key] = rescale(scheduler[key])
    if 'milestones' in scheduler:
        scheduler.milestones = [rescale(m) for m in scheduler.milestones]


def shorten_schedule(cfg: Config, length: int) -> None:
    """Compress the whole training recipe of ``cfg`` to ``length``.

    Args:
        cfg (Config): The config to change in place.
        length (int): The new ``max_epochs`` or ``max_iters``.
    """
    check_int('length', length, 1)
    unit, old = schedule_of(cfg)
    factor = length / old
    cfg.train_cfg[f'max_{unit}s'] = length
    if cfg.train_cfg.get('val_interval', 1) > length:
        cfg.train_cfg.val_interval = length
    for scheduler in _param_schedulers(cfg):
        _rescale_positions(scheduler, lambda value: _scale(value, factor))


def iterations_per_epoch(cfg: Config) -> int:
    """The number of iterations in one epoch of ``cfg``'s training.

    Builds the training data loader (not its workers) in the config's
    default scope.

    Args:
        cfg (Config): A training config.

    Returns:
        int: ``len(train_dataloader)``.
    """
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        loader = Runner.build_dataloader(copy.deepcopy(cfg.train_dataloader))
    return len(loader)


def epochs_to_iterations(cfg: Config, epoch_iters: int) -> None:
    """Count an epoch-based training of ``cfg`` in iterations, in place.

    The training is unchanged: an ``IterBasedTrainLoop`` of ``max_epochs
    * epoch_iters`` iterations over the same data loader, each epoch-based
    parameter scheduler converted to iterations (``begin``, ``end``,
    ``milestones`` and ``T_max`` times ``epoch_iters``), and the
    checkpoint and log intervals counted in iterations.

    Args:
        cfg (Config): A config whose ``train_cfg`` sets ``max_epochs``.
        epoch_iters (int): Iterations per epoch
            (:func:`iterations_per_epoch`).
    """
    unit, epochs = schedule_of(cfg)
    if unit != 'epoch':
        raise ValueError('epochs_to_iterations needs an epoch-based '
                         f'train_cfg, got {dict(cfg.train_cfg)}')
    check_int('epoch_iters', epoch_iters, 1)
    val_interval = cfg.train_cfg.get('val_interval', 1) * epoch_iters
    cfg.train_cfg = ConfigDict(
        type='IterBasedTrainLoop',
        max_iters=epochs * epoch_iters,
        val_interval=val_interval)
    for scheduler in _param_schedulers(cfg):
        if not scheduler.get('by_epoch', True):
            continue
        _rescale_positions(scheduler, lambda value: value * epoch_iters)
        scheduler.by_epoch = False
        scheduler.pop('convert_to_iter_based', None)
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None and checkpoint.get('by_epoch', True):
        checkpoint.by_epoch = False
        checkpoint.interval = checkpoint.get('interval', 1) * epoch_iters
    cfg.log_processor = dict(cfg.get('log_processor', {}), by_epoch=False)


def match_schedule(cfg: Config,
                   time_ratio: float,
                   unit: Optional[str] = None,
                   epoch_iters: Optional[int] = None) -> None:
    """Shorten ``cfg``'s training to ``time_ratio`` of it, in place.

    Args:
        cfg (Config): The base's training config.
        time_ratio (float): The fraction of the training time to keep.
        unit (str, optional): ``'iter'`` counts an epoch-based schedule
            in iterations first (:func:`epochs_to_iterations`); None or
            ``'epoch'`` keeps the config's own unit. Defaults to None.
        epoch_iters (int, optional): Iterations per epoch; None: built
            from the config (:func:`iterations_per_epoch`). Defaults to
            None.
    """
    check_choice('unit', unit, (None, 'epoch', 'iter'))
    own_unit, _ = schedule_of(cfg)
    if unit == 'iter' and own_unit == 'epoch':
        if epoch_iters is None:
            epoch_iters = iterations_per_epoch(cfg)
        epochs_to_iterations(cfg, epoch_iters)
    elif unit == 'epoch' and own_unit == 'iter':
        raise ValueError('an iteration-based schedule cannot be matched in '
                         'epochs')
    _, length = schedule_of(cfg)
    shorten_schedule(cfg, scaled_length(length, time_ratio))
