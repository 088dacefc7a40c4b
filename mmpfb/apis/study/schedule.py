# Copyright (c) mmpfb contributors. All rights reserved.
"""The shortened schedule of a time-matched run.

A time-matched method (e.g. ``full_time_matched``) trains like its base
method (full data) for fewer iterations, or epochs, so that its training
time equals its target's (PFB at the same prune ratio). The length is
computed from the finished runs of the same config:

``length = max(1, round(L * T_target / T_base))``

where ``L`` is the base's schedule length in its own unit (iterations or
epochs), ``T_base`` the mean training time of the base runs over the
spec's seeds and ``T_target`` the mean training time of the target runs
at that ratio. A training time is the sum of the logged iteration times
(data loading included; start-up, evaluation and checkpoints excluded).
Such times compare only when the runs shared the machine equally; a
config may instead give the ratio ``T_target / T_base`` measured apart
(e.g. by ``benchmark_pfb.py``'s interleaved rounds), and then the length
is ``max(1, round(L * ratio))``.
The whole recipe is compressed by the same factor ``length / L``: the
integer ``begin``, ``end``, ``milestones`` and ``T_max`` of every
parameter scheduler are scaled, and a validation interval longer than
the new schedule is cut to it, so the learning rate still completes its
decay. The warm-up of a scheduler is compressed with the rest; hooks
with their own schedule (e.g. ``PFBHook``'s ``begin``) are left as they
are.
"""
from typing import Sequence, Tuple

from mmengine.config import Config

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


def time_matched_length(length: int, base_seconds: Sequence[float],
                        target_seconds: Sequence[float]) -> int:
    """The schedule length whose training time matches the target's.

    Args:
        length (int): The base's schedule length.
        base_seconds (Sequence[float]): Training times of the base runs.
        target_seconds (Sequence[float]): Training times of the target
            runs.

    Returns:
        int: ``max(1, round(length * mean(target) / mean(base)))``.
    """
    if not base_seconds or not target_seconds:
        raise ValueError('time matching needs finished base and target '
                         f'runs, got {len(base_seconds)} and '
                         f'{len(target_seconds)}')
    base = sum(base_seconds) / len(base_seconds)
    target = sum(target_seconds) / len(target_seconds)
    return scaled_length(length, target / base)


def shorten_schedule(cfg: Config, length: int) -> None:
    """Compress the whole training recipe of ``cfg`` to ``length``.

    Args:
        cfg (Config): The config to change in place.
        length (int): The new ``max_epochs`` or ``max_iters``.
    """
    if not isinstance(length, int) or length < 1:
        raise ValueError(f'length must be an int >= 1, got {length!r}')
    unit, old = schedule_of(cfg)
    factor = length / old
    cfg.train_cfg[f'max_{unit}s'] = length
    if cfg.train_cfg.get('val_interval', 1) > length:
        cfg.train_cfg.val_interval = length
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for scheduler in schedulers:
        for key in SCALED_KEYS:
            if isinstance(scheduler.get(key), int):
                scheduler[key] = _scale(scheduler[key], factor)
        if 'milestones' in scheduler:
            scheduler.milestones = [
                _scale(m, factor) for m in scheduler.milestones
            ]
