# Copyright (c) mmpfb contributors. All rights reserved.
"""The KDE math on its own, in float64, against the brute-force reference."""
import math

import numpy as np
import pytest
import torch

from mmpfb.models.density import (bandwidth_diag, log_balance_weights,
                                  log_kernel_density)
from ...reference_kde import reference_log_density


def points(num_centroids=6, feat_dim=5, num_x=4, scale=1.0, seed=0):
    gen = torch.Generator().manual_seed(seed)
    centroids = torch.randn(
        num_centroids, feat_dim, generator=gen, dtype=torch.float64) * scale
    counts = torch.randint(1, 9, (num_centroids, ), generator=gen)
    x = torch.randn(num_x, feat_dim, generator=gen, dtype=torch.float64)
    return x * scale, centroids, counts


def kde(x, centroids, counts, rule='silverman', balance=True, **kwargs):
    return log_kernel_density(x, centroids,
                              log_balance_weights(counts.double(), balance),
                              bandwidth_diag(centroids, rule, 1e-6), **kwargs)


@pytest.mark.parametrize('rule', ['silverman', 'scott', 'identity'])
@pytest.mark.parametrize('balance', [True, False])
@pytest.mark.parametrize('scale', [1e-3, 1.0, 1e3])
def test_float64_density_matches_brute_force(rule, balance, scale):
    x, centroids, counts = points(scale=scale)
    got = kde(x, centroids, counts, rule, balance)
    assert got.dtype == torch.float64
    ref = reference_log_density(x, centroids, counts, rule, balance)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10, atol=1e-9)


def test_slots_beyond_the_centroids_divide_the_weights():
    # N_C counts every slot, filled or not: 2M slots halve each term
    x, centroids, counts = points()
    got = kde(x, centroids, counts, num_centroids=2 * centroids.size(0))
    ref = reference_log_density(x, centroids, counts) - math.log(2)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10)


def test_identical_centroids_give_the_floored_bandwidth():
    centroids = torch.ones(4, 3, dtype=torch.float64)
    h = bandwidth_diag(centroids, 'scott', eps=1e-3)
    np.testing.assert_allclose(h.numpy(), (4**(-1 / 7) * 1e-3)**2)
    x = torch.ones(2, 3, dtype=torch.float64)
    log_f = kde(x, centroids, torch.ones(4, dtype=torch.long), 'scott')
    assert torch.isfinite(log_f).all()


def test_one_centroid_has_a_finite_bandwidth():
    # no spread to measure: the floor, not the NaN of an unbiased std
    h = bandwidth_diag(torch.zeros(1, 2), 'silverman', eps=0.5)
    assert torch.isfinite(h).all() and (h > 0).all()


def test_unknown_rule_is_named():
    with pytest.raises(ValueError, match="'gauss'"):
        bandwidth_diag(torch.zeros(2, 2), 'gauss', 1e-6)


def test_balance_weights_are_the_count_shares():
    counts = torch.tensor([5, 2, 1])
    weights = log_balance_weights(counts)
    assert weights.dtype == torch.float32
    np.testing.assert_allclose(
        weights.exp().numpy(), [5 / 8, 2 / 8, 1 / 8], rtol=1e-6)
    assert torch.equal(
        log_balance_weights(counts, balance=False), torch.zeros(3))
