# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
from mmengine.config import Config

from mmpfb.apis.study import (scaled_length, schedule_of, shorten_schedule,
                              time_matched_length)


@pytest.mark.parametrize(
    'length, base, target, expected',
    [
        (2000, [100.0, 120.0], [70.0, 84.0], 1400),  # 2000 * 77 / 110
        (10, [50.0], [36.0], 7),  # 7.2 epochs round to 7
        (10, [50.0], [37.5], 8),  # 7.5 rounds up
        (3, [100.0], [1.0], 1),  # never below one
    ])
def test_time_matched_length(length, base, target, expected):
    assert time_matched_length(length, base, target) == expected


@pytest.mark.parametrize('length, time_ratio, expected', [(8, 0.657, 5),
                                                          (2, 0.543, 1),
                                                          (3, 0.1, 1)])
def test_scaled_length(length, time_ratio, expected):
    assert scaled_length(length, time_ratio) == expected


def test_time_matched_length_needs_runs():
    with pytest.raises(ValueError, match='got 0 and 1'):
        time_matched_length(10, [], [1.0])


def iter_cfg() -> Config:
    return Config(
        dict(
            train_cfg=dict(
                type='IterBasedTrainLoop', max_iters=2000, val_interval=2000),
            param_scheduler=[
                dict(type='LinearLR', begin=0, end=100, by_epoch=False),
                dict(type='PolyLR', begin=100, end=2000, by_epoch=False),
                dict(type='MultiStepLR', milestones=[1000, 1500]),
                dict(type='CosineAnnealingLR', T_max=2000, end=float('inf'))
            ]))


def test_iteration_schedule_is_compressed():
    cfg = iter_cfg()
    assert schedule_of(cfg) == ('iter', 2000)
    shorten_schedule(cfg, 1400)
    assert schedule_of(cfg) == ('iter', 1400)
    assert cfg.train_cfg.val_interval == 1400
    linear, poly, steps, cosine = cfg.param_scheduler
    assert (linear.begin, linear.end) == (0, 70)
    assert (poly.begin, poly.end) == (70, 1400)
    assert steps.milestones == [700, 1050]
    assert cosine.T_max == 1400 and cosine.end == float('inf')


def test_epoch_schedule_is_compressed():
    cfg = Config(
        dict(
            train_cfg=dict(by_epoch=True, max_epochs=10, val_interval=1),
            param_scheduler=dict(type='OneCycleLR', begin=0, end=10)))
    assert schedule_of(cfg) == ('epoch', 10)
    shorten_schedule(cfg, 7)
    assert cfg.train_cfg.max_epochs == 7 and cfg.train_cfg.val_interval == 1
    assert cfg.param_scheduler.end == 7


@pytest.mark.parametrize('length', [0, 2.5])
def test_bad_length_is_named(length):
    with pytest.raises(ValueError, match=f'got {length}'):
        shorten_schedule(iter_cfg(), length)


def test_schedule_needs_a_length():
    with pytest.raises(ValueError, match='must set max_epochs or max_iters'):
        schedule_of(Config(dict(train_cfg=dict(val_interval=1))))
