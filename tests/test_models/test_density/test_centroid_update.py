# Copyright (c) mmpfb contributors. All rights reserved.
"""The centroid update on its own, against a one-sample-at-a-time float64
reference of Eq. 7 and the normalised Eq. 8."""
import numpy as np
import pytest
import torch

from mmpfb.models.density import move_centroids, nearest_centroids


def reference_update(x, centroids, counts, beta):
    """Assign each row to its nearest centroid (first on ties), then move
    every centroid that got rows towards their mean."""
    x = np.asarray(x, dtype=np.float64)
    c = np.asarray(centroids, dtype=np.float64).copy()
    n = [int(v) for v in counts]
    assigned = [[] for _ in n]
    for row in x:
        dists = [float(np.sqrt(np.sum((row - cj)**2))) for cj in c]
        assigned[dists.index(min(dists))].append(row)
    for j, rows in enumerate(assigned):
        if not rows:
            continue
        m = len(rows)
        xbar = sum(rows) / m
        c[j] = ((1 - beta) * n[j] * c[j] + (m + beta * n[j]) * xbar) / (
            n[j] + m)
        n[j] += m
    return c, n


@pytest.mark.parametrize('beta', [0.0, 0.01, 0.5])
def test_move_matches_the_reference(beta):
    gen = torch.Generator().manual_seed(0)
    centroids = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    counts = torch.randint(1, 6, (5, ), generator=gen)
    # few rows, so some centroids get none and stay put
    x = torch.randn(3, 4, generator=gen, dtype=torch.float64) * 2
    moved, num_assigned = move_centroids(x, centroids, counts, beta)
    ref_c, ref_n = reference_update(x, centroids, counts, beta)
    np.testing.assert_allclose(moved.numpy(), ref_c, rtol=1e-12)
    assert (counts + num_assigned).tolist() == ref_n
    assert num_assigned.dtype == torch.long
    assert int((num_assigned == 0).sum()) >= 2


def test_zero_count_centroid_takes_the_mean_of_its_rows():
    centroids = torch.tensor([[0.0], [10.0]])
    x = torch.tensor([[9.0], [12.0]])
    moved, num_assigned = move_centroids(x, centroids, torch.tensor([1, 0]),
                                         0.3)
    assert num_assigned.tolist() == [0, 2]
    assert moved.tolist() == [[0.0], [10.5]]


def test_nearest_centroid_ties_go_to_the_lower_index():
    centroids = torch.tensor([[0.0, 0.0], [2.0, 0.0], [1.0, 5.0]])
    x = torch.tensor([[1.0, 0.0], [1.9, 0.1], [1.0, 4.0]])
    assert nearest_centroids(x, centroids).tolist() == [0, 1, 2]
