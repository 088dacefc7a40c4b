# Copyright (c) mmpfb contributors. All rights reserved.
"""The ranking math on its own, against the float64 references."""
import numpy as np
import pytest
import torch

from mmpfb.models.density import (bandwidth_diag, keep_count,
                                  log_balance_weights, log_kernel_density,
                                  noisy_log_density_scores,
                                  relative_density_scores,
                                  smallest_in_batch_order)
from ...reference_kde import reference_keep, reference_log_density


def batch(seed=0):
    gen = torch.Generator().manual_seed(seed)
    centroids = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    counts = torch.randint(1, 9, (6, ), generator=gen)
    x = torch.randn(10, 4, generator=gen, dtype=torch.float64) * 0.5
    alpha = torch.rand(10, generator=gen, dtype=torch.float64) * 0.05
    return x, centroids, counts, alpha


@pytest.mark.parametrize('largest', [False, True])
def test_selection_matches_the_reference_keep(largest):
    x, centroids, counts, alpha = batch()
    log_f = log_kernel_density(x, centroids,
                               log_balance_weights(counts.double()),
                               bandwidth_diag(centroids, 'silverman', 1e-6))
    scores = relative_density_scores(log_f, alpha)
    if largest:
        scores = -scores
    keep = smallest_in_batch_order(scores, 4)
    assert keep.tolist() == reference_keep(
        x, centroids, counts, alpha, 4, largest=largest)


def test_relative_scores_are_density_ratios_plus_alpha():
    x, centroids, counts, alpha = batch(1)
    log_f = torch.from_numpy(reference_log_density(x, centroids, counts))
    scores = relative_density_scores(log_f, alpha)
    ref = np.exp(log_f.numpy() - log_f.numpy().max()) + alpha.numpy()
    np.testing.assert_allclose(scores.numpy(), ref, rtol=1e-12)


def test_noisy_scores_scale_the_noise_by_the_population_spread():
    log_f = torch.tensor([-3.0, -1.0, -2.0, -6.0], dtype=torch.float64)
    z = torch.tensor([0.5, -1.0, 2.0, 0.0], dtype=torch.float64)
    got = noisy_log_density_scores(log_f, z, 0.25)
    ref = log_f.numpy() + 0.25 * np.std(log_f.numpy()) * z.numpy()
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    # a single sample has no spread
    one = noisy_log_density_scores(log_f[:1], z[:1], 0.25)
    assert one.tolist() == [-3.0]


def test_ties_keep_the_earlier_rows_in_batch_order():
    scores = torch.tensor([2.0, 1.0, 1.0, 0.5, 1.0])
    assert smallest_in_batch_order(scores, 3).tolist() == [1, 2, 3]


@pytest.mark.parametrize('batch_size, ratio, min_keep, u, expected', [
    (10, 0.3, 1, 0.0, 7),
    (10, 0.35, 1, 0.49, 6),
    (10, 0.35, 1, 0.5, 7),
    (4, 0.9, 2, 0.1, 2),
    (1, 0.9, 2, 0.1, 1),
    (5, 0.0, 1, 0.99, 5),
])
def test_keep_count_rounds_by_the_draw_and_clamps(batch_size, ratio, min_keep,
                                                  u, expected):
    assert keep_count(batch_size, ratio, min_keep, u) == expected
