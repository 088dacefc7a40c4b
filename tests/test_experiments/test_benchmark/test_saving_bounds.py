# Copyright (c) mmpfb contributors. All rights reserved.
import pytest

from mmpfb.experiments.benchmark import (achievable_seconds, ideal_seconds,
                                         interpolate)

# made-up timings linear in the batch size: T(k) = a + b k
FULL = {k: 1.0 + 0.5 * k for k in range(1, 11)}
SHALLOW = {k: 0.1 + 0.05 * k for k in range(1, 11)}


@pytest.mark.parametrize('k', [3, 3.5, 7.25, 10])
def test_interpolate_is_exact_on_a_line(k):
    assert interpolate(FULL, k) == pytest.approx(1.0 + 0.5 * k)


@pytest.mark.parametrize('ratio', [0.3, 0.45, 0.7])
def test_ideal_pays_the_shallow_forward_for_pruned_samples(ratio):
    n, k = 10, (1 - ratio) * 10
    expected = (1.0 + 0.5 * k) + 0.05 * (n - k)
    assert ideal_seconds(FULL, SHALLOW, n, ratio) == pytest.approx(expected)


@pytest.mark.parametrize('ratio,extra', [(0.2, 0.2 * 2.0), (0.8, 0.2 * 1.0)])
def test_achievable_adds_the_cheaper_exact_gradient(ratio, extra):
    # reuse: p * T_sb(N) = p * 2; recompute: (1 - p) * T_sf(N) = (1 - p)
    assert achievable_seconds(5.0, 1.0, 2.0, ratio) == pytest.approx(5 + extra)
