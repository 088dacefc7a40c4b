# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.config import Config
from mmengine.optim.scheduler import MultiStepLR, OneCycleLR
from mmengine.registry import DATASETS

from mmpfb.experiments.study import (epochs_to_iterations,
                                     iterations_per_epoch, match_schedule,
                                     measured_time_ratio, scaled_length,
                                     schedule_of, shorten_schedule)


@pytest.mark.parametrize(
    'base, target, expected',
    [
        ([100.0, 120.0], [70.0, 84.0], 0.7),  # 77 / 110
        ([50.0], [36.0], 0.72),
    ])
def test_measured_time_ratio(base, target, expected):
    assert measured_time_ratio(base, target) == pytest.approx(expected)


@pytest.mark.parametrize('length, time_ratio, expected', [(8, 0.657, 5),
                                                          (2, 0.543, 1),
                                                          (3, 0.1, 1)])
def test_scaled_length(length, time_ratio, expected):
    assert scaled_length(length, time_ratio) == expected


def test_time_ratio_needs_runs():
    with pytest.raises(ValueError, match='got 0 and 1'):
        measured_time_ratio([], [1.0])


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


def epoch_cfg() -> Config:
    """Two epochs, as in configs/fashion_mnist: a one-cycle learning rate
    updated every iteration and a step decay updated every epoch."""
    return Config(
        dict(
            train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=2),
            param_scheduler=[
                dict(
                    type='OneCycleLR',
                    eta_max=0.003,
                    pct_start=0.25,
                    by_epoch=True,
                    begin=0,
                    end=2,
                    convert_to_iter_based=True),
                dict(type='MultiStepLR', milestones=[1], gamma=0.5)
            ],
            default_hooks=dict(
                checkpoint=dict(type='CheckpointHook', interval=2))))


def learning_rates(schedulers, steps, epoch_iters=None):
    """The learning rate of each of ``steps`` iterations, with the
    schedulers stepped as MMEngine's ParamSchedulerHook steps them."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.01)
    built = []
    for cfg in schedulers:
        cfg = dict(cfg)
        kind = {
            'OneCycleLR': OneCycleLR,
            'MultiStepLR': MultiStepLR
        }[cfg.pop('type')]
        if cfg.pop('convert_to_iter_based', False):
            built.append((False,
                          kind.build_iter_from_epoch(
                              optimizer, epoch_length=epoch_iters, **cfg)))
        else:
            built.append((cfg.get('by_epoch', True), kind(optimizer, **cfg)))
    rates = []
    for step in range(steps):
        rates.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for by_epoch, scheduler in built:
            last_of_epoch = epoch_iters and (step + 1) % epoch_iters == 0
            if not by_epoch or last_of_epoch:
                scheduler.step()
    return rates


def test_epochs_to_iterations_keeps_the_training():
    cfg = epoch_cfg()
    expected = learning_rates(cfg.param_scheduler, 14, epoch_iters=7)
    epochs_to_iterations(cfg, 7)
    assert schedule_of(cfg) == ('iter', 14)
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.val_interval == 14
    assert all(not s.by_epoch for s in cfg.param_scheduler)
    assert learning_rates(cfg.param_scheduler, 14) == pytest.approx(expected)
    assert cfg.default_hooks.checkpoint.interval == 14
    assert not cfg.default_hooks.checkpoint.by_epoch
    assert not cfg.log_processor.by_epoch


@pytest.mark.parametrize('unit, length', [('iter', 10), ('epoch', 1),
                                          (None, 1)])
def test_match_schedule_in_either_unit(unit, length):
    cfg = epoch_cfg()
    match_schedule(cfg, 0.72, unit, epoch_iters=7)
    # two epochs of 7 iterations: 14 * 0.72 = 10.08; in epochs 1.44
    assert schedule_of(cfg)[1] == length
    assert cfg.param_scheduler[0].end == length


def test_epochs_to_iterations_needs_epochs():
    with pytest.raises(ValueError, match='needs an epoch-based train_cfg'):
        epochs_to_iterations(iter_cfg(), 7)


@pytest.mark.parametrize('unit', ['epochs', 'epoch'])
def test_bad_unit_is_named(unit):
    with pytest.raises(
            ValueError,
            match=repr(unit) if unit == 'epochs' else 'cannot be matched'):
        match_schedule(iter_cfg(), 0.5, unit)


@DATASETS.register_module(force=True)
class TenItems(torch.utils.data.Dataset):
    """Ten numbers, for counting a data loader's batches."""

    def __len__(self):
        return 10

    def __getitem__(self, index):
        return index


@pytest.mark.parametrize('drop_last, expected', [(False, 3), (True, 2)])
def test_iterations_per_epoch_counts_the_batches(drop_last, expected):
    cfg = Config(
        dict(
            default_scope='mmengine',
            train_dataloader=dict(
                batch_size=4,
                drop_last=drop_last,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(type='TenItems'))))
    assert iterations_per_epoch(cfg) == expected
