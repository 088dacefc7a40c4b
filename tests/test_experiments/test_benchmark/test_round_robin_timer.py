# Copyright (c) mmpfb contributors. All rights reserved.
import statistics

import pytest
import torch

from mmpfb.experiments.benchmark import relative_iqr, time_round_robin


def test_calls_run_round_robin_with_the_round_index_first():
    calls = []
    fns = {name: (lambda name=name: calls.append(name)) for name in 'abc'}
    measured = time_round_robin(
        fns,
        warmup=1,
        repeat=2,
        device=torch.device('cpu'),
        before_round=lambda i: calls.append(i),
        on_call=lambda name: calls.append(name.upper()))
    one_round = ['A', 'a', 'B', 'b', 'C', 'c']
    assert calls == [0] + one_round + [1] + one_round + [2] + one_round
    assert set(measured) == set('abc')
    assert all(m['seconds'] >= 0 for m in measured.values())


def test_warmup_rounds_are_not_timed(monkeypatch):
    # a fake clock: each call of fn takes as long as its round's index + 1
    clock = dict(now=0.0, round=0)
    monkeypatch.setattr(
        'mmpfb.experiments.benchmark.round_robin_timer.time.perf_counter',
        lambda: clock['now'])

    def fn():
        clock['now'] += clock['round'] + 1

    def before_round(index):
        clock['round'] = index

    measured = time_round_robin(
        dict(f=fn), 2, 3, torch.device('cpu'), before_round=before_round)
    # timed rounds 2, 3, 4 take 3, 4, 5 s
    assert measured['f']['seconds'] == 4
    assert measured['f']['spread'] == pytest.approx(
        relative_iqr([3.0, 4.0, 5.0]))


def test_relative_iqr():
    times = [1.0, 2.0, 3.0, 4.0, 10.0]
    q1, _, q3 = statistics.quantiles(times, n=4)
    assert relative_iqr(times) == pytest.approx((q3 - q1) / 3.0)
    assert relative_iqr([5.0]) == 0.0
