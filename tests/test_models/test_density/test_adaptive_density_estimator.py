# Copyright (c) mmpfb contributors. All rights reserved.
import copy

import numpy as np
import pytest
import torch

from mmpfb.models.density import (AdaptiveDensityEstimator, DensitySettings,
                                  smallest_in_batch_order)
from ...reference_kde import reference_keep, reference_log_density


def stream(seed=0):
    """A generator as the step's random streams hand the estimator."""
    return torch.Generator().manual_seed(seed)


def select(est, x, num_keep, generator):
    """The rows of the ``num_keep`` smallest rank scores."""
    return smallest_in_batch_order(est.rank_scores(x, generator), num_keep)


def filled_estimator(num_centroids=8,
                     feat_dim=16,
                     scale=1.0,
                     seed=0,
                     **kwargs):
    est = AdaptiveDensityEstimator(
        DensitySettings(
            num_centroids=num_centroids,
            feat_dim=feat_dim,
            seed=seed,
            **kwargs))
    gen = torch.Generator().manual_seed(seed)
    est.update(
        torch.randn(num_centroids, feat_dim, generator=gen) * scale,
        stream(seed))
    # uneven counts so the balance weights matter
    est.update(
        torch.randn(3 * num_centroids, feat_dim, generator=gen) * scale,
        stream(seed))
    return est, gen


@pytest.mark.parametrize('bandwidth', ['silverman', 'scott', 'identity'])
@pytest.mark.parametrize('balance', [True, False])
def test_log_density_matches_brute_force(bandwidth, balance):
    est, gen = filled_estimator(bandwidth=bandwidth, balance=balance)
    x = torch.randn(5, 16, generator=gen)
    got = est.log_density(x)
    assert got.dtype == torch.float32
    ref = reference_log_density(x, est.centroids, est.counts, bandwidth,
                                balance)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize('scale', [1e3, 1e-3])
def test_log_density_at_extreme_scales(scale):
    est, gen = filled_estimator(feat_dim=128, scale=scale)
    x = torch.randn(6, 128, generator=gen) * scale
    got = est.log_density(x)
    assert torch.isfinite(got).all()
    ref = reference_log_density(x, est.centroids, est.counts)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-5)
    # plain float32 density would underflow (or overflow) here
    assert np.all(np.abs(ref) > 80)


def test_identical_features_give_finite_bandwidth():
    est = AdaptiveDensityEstimator(
        DensitySettings(num_centroids=4, feat_dim=3, seed=0))
    est.update(torch.ones(6, 3), stream())
    h = est.bandwidth_diag()
    assert torch.isfinite(h).all() and (h > 0).all()
    log_f = est.log_density(torch.ones(2, 3))
    assert torch.isfinite(log_f).all()
    assert torch.isfinite(est.rank_scores(torch.ones(2, 3), stream())).all()


def test_random_term_zero_is_deterministic_and_positive_is_per_sample():
    est, gen = filled_estimator(random_bound=0.0)
    x = torch.randn(12, 16, generator=gen)
    first = select(est, x, 6, stream(0))
    assert torch.equal(select(est, x, 6, stream(123)), first)

    # rank by g; a per-batch alpha would leave every ranking unchanged
    est.random_bound = 1.0
    local = stream(0)
    rankings = {tuple(select(est, x, 6, local).tolist()) for _ in range(20)}
    assert len(rankings) > 1
    log_f = est.log_density(x)
    scores = est.rank_scores(x, stream(7))
    alpha = torch.rand(12, generator=torch.Generator().manual_seed(7))
    torch.testing.assert_close(scores, (log_f - log_f.max()).exp() + alpha)


def test_log_noise_is_gaussian_scaled_by_the_batch_spread():
    est, gen = filled_estimator(log_noise=0.5)
    x = torch.randn(12, 16, generator=gen)
    # independent reference: float64 densities, numpy's spread
    log_f = reference_log_density(x, est.centroids, est.counts)
    scores = est.rank_scores(x, stream(7))
    z = torch.randn(12, generator=torch.Generator().manual_seed(7))
    ref = log_f + 0.5 * np.std(log_f) * z.double().numpy()
    np.testing.assert_allclose(scores.numpy(), ref, rtol=1e-5, atol=1e-4)
    # the rows of the smallest noisy scores are kept
    keep = select(est, x, 6, stream(7))
    assert keep.tolist() == sorted(np.argsort(ref, kind='stable')[:6])
    # a single sample has no spread and a finite score
    assert torch.isfinite(est.rank_scores(x[:1], stream())).all()


def test_rank_scores_keep_the_reference_rows():
    est, gen = filled_estimator(random_bound=0.01)
    x = torch.randn(10, 16, generator=gen) * 0.3
    alpha = torch.rand(10, generator=stream(5)) * 0.01
    keep = select(est, x, 4, stream(5))
    assert keep.tolist() == reference_keep(x, est.centroids, est.counts, alpha,
                                           4)


def test_initial_fill_then_update_by_hand():
    est = AdaptiveDensityEstimator(
        DensitySettings(num_centroids=2, feat_dim=1, momentum=0.25, seed=3))
    assert not est.is_ready
    perm = torch.randperm(3, generator=torch.Generator().manual_seed(3))
    batch = torch.tensor([[0.0], [10.0], [4.0]])
    est.update(batch, stream(3))
    assert est.is_ready
    filled = batch[perm]
    # the first two in the shuffled order fill the slots, count 1 each
    c = [float(filled[0]), float(filled[1])]
    n = [1, 1]
    # the third is assigned to its nearest centroid and moves it
    x = float(filled[2])
    j = int(np.argmin([abs(x - ci) for ci in c]))
    beta = 0.25
    c[j] = ((1 - beta) * n[j] * c[j] + (1 + beta * n[j]) * x) / (n[j] + 1)
    n[j] += 1
    np.testing.assert_allclose(est.centroids.squeeze(1).numpy(), c, rtol=1e-6)
    assert est.counts.tolist() == n
    assert int(est.num_updates) == 1

    # two samples to one centroid: mean of the assigned features
    est2 = AdaptiveDensityEstimator(
        DensitySettings(num_centroids=2, feat_dim=1, momentum=0.25, seed=0))
    state = est2.state_dict()
    state.update(
        centroids=torch.tensor([[0.0], [10.0]]),
        counts=torch.tensor([3, 1]),
        num_filled=torch.tensor(2))
    est2.load_state_dict(state)
    est2.update(torch.tensor([[1.0], [3.0], [9.0]]), stream())
    c0 = (0.75 * 3 * 0.0 + (2 + 0.25 * 3) * 2.0) / 5
    c1 = (0.75 * 1 * 10.0 + (1 + 0.25 * 1) * 9.0) / 2
    np.testing.assert_allclose(
        est2.centroids.squeeze(1).numpy(), [c0, c1], rtol=1e-6)
    assert est2.counts.tolist() == [5, 2]
    # balance weights are the normalised counts
    np.testing.assert_allclose(
        est2.log_weights().exp().numpy(), [5 / 7, 2 / 7], rtol=1e-6)


def test_update_without_rows_changes_nothing():
    est, _ = filled_estimator()
    before = copy.deepcopy(est.state_dict())
    est.update(torch.zeros(0, 16), stream())
    for key, value in est.state_dict().items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, before[key]), key


def test_state_dict_round_trip_reproduces_next_selection():
    est, gen = filled_estimator(random_bound=0.5)
    x = torch.randn(10, 16, generator=gen)
    state = copy.deepcopy(est.state_dict())
    expected = select(est, x, 7, stream(4))

    other = AdaptiveDensityEstimator(
        DensitySettings(
            num_centroids=8, feat_dim=16, seed=99, random_bound=0.5))
    other.load_state_dict(state)
    assert torch.equal(select(other, x, 7, stream(4)), expected)


@pytest.mark.parametrize('kwargs, name', [
    (dict(num_centroids=1), 'num_centroids'),
    (dict(feat_dim=0), 'feat_dim'),
    (dict(bandwidth='gauss'), 'bandwidth'),
    (dict(random_bound=-0.1), 'random_bound'),
    (dict(log_noise=-1.0), 'log_noise'),
    (dict(log_noise='0.5'), 'log_noise'),
    (dict(momentum=1.0), 'momentum'),
    (dict(momentum=-0.5), 'momentum'),
    (dict(balance='yes'), 'balance'),
    (dict(eps=0.0), 'eps'),
    (dict(seed=1.5), 'seed'),
])
def test_bad_arguments_name_argument_and_value(kwargs, name):
    with pytest.raises(ValueError) as err:
        DensitySettings(**kwargs)
    assert name in str(err.value)
    assert repr(next(iter(kwargs.values()))) in str(err.value)


def test_settings_must_be_density_settings():
    with pytest.raises(TypeError, match='DensitySettings'):
        AdaptiveDensityEstimator(dict(num_centroids=4))
