# Copyright (c) mmpfb contributors. All rights reserved.
"""``shallow_grad='auto'`` on the toy backbone, with a scripted clock."""
import statistics

import pytest
import torch

from mmpfb.experiments.testing import ToyBackbone, ToySplitter
from mmpfb.models.blocking import PartialForwardBlocking, shallow_grad_tuner
from mmpfb.models.density import DensitySettings
from ...gloo_processes import run_on_ranks

TRIALS = 3


class ScriptedClock:
    """Stands in for the tuner's clock: each step of a mode lasts the
    next of that mode's scripted durations, so the timings are exact."""

    def __init__(self, tuner, durations):
        self.tuner = tuner
        self.durations = {m: iter(d) for m, d in durations.items()}
        self.now = 0.0
        self.readings = 0

    def __call__(self, device):
        # called at the start of a step: the previous step's mode is
        # still tuner.mode
        self.readings += 1
        if self.readings > 1:
            self.now += next(self.durations[self.tuner.mode])
        return self.now


def build(prune_ratio=0.5, **kwargs):
    torch.manual_seed(0)
    backbone = ToyBackbone()
    blocker = PartialForwardBlocking(
        ToySplitter(backbone, 1),
        backbone.channels[1],
        prune_ratio=prune_ratio,
        density=DensitySettings(num_centroids=4, seed=0),
        auto_trials=TRIALS,
        **kwargs)
    return backbone, blocker


def shallow_calls(blocker):
    """Count the shallow forwards of each step (two with recompute)."""
    calls = []
    forward_shallow = blocker.splitter.forward_shallow

    def spy(*args):
        calls[-1] += 1
        return forward_shallow(*args)

    blocker.splitter.forward_shallow = spy
    return calls


def step(backbone, blocker, calls, num=8):
    calls.append(0)
    x = torch.randn(num, 3, 16, 16)
    return blocker(backbone, x)


@pytest.fixture
def logs(monkeypatch):
    messages = []
    monkeypatch.setattr(shallow_grad_tuner, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


# outliers make the means disagree with the medians
@pytest.mark.parametrize('durations, faster', [
    (dict(reuse=[1.0, 1.0, 1.0], recompute=[0.75, 9.0, 0.75]), 'recompute'),
    (dict(reuse=[0.5, 0.5, 9.0], recompute=[0.75, 0.75, 0.75]), 'reuse'),
])
def test_auto_keeps_the_mode_of_the_faster_median(durations, faster, logs):
    backbone, blocker = build()
    tuner = blocker.shallow_grad_tuner
    clock = tuner._now = ScriptedClock(tuner, durations)
    calls = shallow_calls(blocker)
    step(backbone, blocker, calls)  # fills the centroids: not timed
    assert clock.readings == 0 and tuner.choice is None
    modes = []
    for _ in range(2 * TRIALS + 3):
        step(backbone, blocker, calls)
        modes.append(tuner.mode)
    # the modes take turns, and the step really ran the mode it reports
    assert modes[:2 * TRIALS] == ['reuse', 'recompute'] * TRIALS
    assert calls[1:] == [1 + (m == 'recompute') for m in modes]
    assert modes[2 * TRIALS:] == [faster] * 3
    assert clock.readings == 2 * TRIALS + 1  # none once decided
    assert tuner.samples == durations
    means = {m: statistics.mean(d) for m, d in durations.items()}
    assert min(means, key=means.get) != faster
    assert tuner.choice == blocker.resolve_shallow_grad() == faster
    assert tuner.measured_ratio == pytest.approx(0.5)
    summary = blocker.summary()
    assert summary['shallow_grad_recompute'] == float(faster == 'recompute')
    for mode, times in durations.items():
        assert summary[f'shallow_grad_{mode}_time'] == statistics.median(times)
    assert len(logs) == 1 and f'-> {faster}' in logs[0]


def test_steps_without_pruning_are_not_timed():
    backbone, blocker = build()
    tuner = blocker.shallow_grad_tuner
    clock = tuner._now = ScriptedClock(
        tuner, dict(reuse=[1.0] * 9, recompute=[2.0] * 9))
    calls = shallow_calls(blocker)
    step(backbone, blocker, calls)
    step(backbone, blocker, calls)  # reuse started
    blocker.set_pruning(enabled=False)
    step(backbone, blocker, calls)  # ends the interval: dropped
    assert tuner.samples == dict(reuse=[], recompute=[])
    blocker.set_pruning(enabled=True)
    step(backbone, blocker, calls)  # next turn: still reuse
    step(backbone, blocker, calls)
    assert tuner.samples == dict(reuse=[1.0], recompute=[])
    assert clock.readings == 3


def test_a_loaded_choice_is_not_measured_again(loaded):
    backbone, blocker = build()
    tuner = blocker.shallow_grad_tuner
    tuner._now = ScriptedClock(
        tuner, dict(reuse=[2.0] * TRIALS, recompute=[1.0] * TRIALS))
    calls = shallow_calls(blocker)
    for _ in range(2 * TRIALS + 2):
        step(backbone, blocker, calls)
    assert tuner.choice == 'recompute'
    state = blocker.state_dict()
    assert int(state['shallow_grad_tuner.choice_code']) == 1

    backbone, resumed = build()
    resumed.load_state_dict(loaded(state))

    def no_clock(device):
        raise AssertionError('measured again after loading')

    resumed.shallow_grad_tuner._now = no_clock
    calls = shallow_calls(resumed)
    step(backbone, resumed, calls)
    assert resumed.shallow_grad_tuner.choice == 'recompute'
    assert calls == [2]


@pytest.mark.parametrize('new_ratio, measures_again', [(0.55, False),
                                                       (0.65, True)])
def test_a_ratio_change_beyond_the_tolerance_measures_again(
        new_ratio, measures_again, logs):
    backbone, blocker = build(auto_tolerance=0.1)
    tuner = blocker.shallow_grad_tuner
    clock = tuner._now = ScriptedClock(
        tuner, dict(reuse=[2.0] * 9, recompute=[1.0] * 9))
    calls = shallow_calls(blocker)
    for _ in range(2 * TRIALS + 2):
        step(backbone, blocker, calls)
    readings = clock.readings
    blocker.set_pruning(prune_ratio=new_ratio)
    step(backbone, blocker, calls)
    assert (clock.readings > readings) == measures_again
    assert (tuner.choice is None) == measures_again
    assert any('again' in m for m in logs) == measures_again


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
def test_fixed_modes_are_never_timed(shallow_grad):
    backbone, blocker = build(shallow_grad=shallow_grad)

    def no_clock(device):
        raise AssertionError('a fixed mode was timed')

    blocker.shallow_grad_tuner._now = no_clock
    calls = shallow_calls(blocker)
    for _ in range(3):
        step(backbone, blocker, calls)
    assert calls[1:] == [1 + (shallow_grad == 'recompute')] * 2
    assert 'shallow_grad_recompute' not in blocker.summary()


def decide_on_rank(rank):
    backbone, blocker = build()
    tuner = blocker.shallow_grad_tuner
    # each rank's own clock favours another mode; rank 0's must win
    slow = 'recompute' if rank == 0 else 'reuse'
    durations = {
        m: [2.0 if m == slow else 1.0] * TRIALS
        for m in ('reuse', 'recompute')
    }
    tuner._now = ScriptedClock(tuner, durations)
    calls = shallow_calls(blocker)
    for _ in range(2 * TRIALS + 2):
        step(backbone, blocker, calls)
    assert tuner.choice == 'reuse', rank


@pytest.mark.two_processes
def test_rank_0_decides_for_every_rank(tmp_path):
    run_on_ranks(decide_on_rank, tmp_path)
