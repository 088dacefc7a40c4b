# Copyright (c) mmpfb contributors. All rights reserved.
from fractions import Fraction

import numpy as np
import pytest

from mmpfb.datasets.fashion_mnist import long_tail_counts, long_tail_indices

# The CIFAR-LT convention (Cao et al. 2019) at n_max = 6000, rho = 100,
# worked out by hand: floor(6000 * 100 ** (-c / 9)).
FASHION_MNIST_LT100 = [6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60]


@pytest.mark.parametrize('max_per_class, num_classes, factor',
                         [(6000, 10, 100.), (500, 10, 10.), (37, 4, 3.),
                          (100, 10, 1.)])
def test_counts_follow_exponential_profile(max_per_class, num_classes, factor):
    counts = long_tail_counts(max_per_class, num_classes, factor)
    # float64 brute force of n_max * rho ** (-c / (C - 1)), floored
    expected = [
        max(
            1,
            int(
                np.floor(
                    np.float64(max_per_class) *
                    np.float64(factor)**(-c / (num_classes - 1)) + 1e-9)))
        for c in range(num_classes)
    ]
    assert counts == expected
    assert counts[0] == max_per_class
    assert counts == sorted(counts, reverse=True)
    if factor == int(factor):
        # the last class is exactly n_max / rho when that is a whole number
        ratio = Fraction(max_per_class, int(factor))
        if ratio.denominator == 1:
            assert counts[-1] == ratio.numerator


def test_counts_of_fashion_mnist_lt100():
    assert long_tail_counts(6000, 10, 100.) == FASHION_MNIST_LT100
    assert sum(FASHION_MNIST_LT100) == 14886


@pytest.mark.parametrize('kwargs, name', [
    (dict(max_per_class=0, num_classes=10), 'max_per_class'),
    (dict(max_per_class=10.5, num_classes=10), 'max_per_class'),
    (dict(max_per_class=10, num_classes=1), 'num_classes'),
    (dict(max_per_class=10, num_classes=10,
          imbalance_factor=0.5), 'imbalance_factor'),
])
def test_counts_reject_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        long_tail_counts(**kwargs)


def test_indices_keep_counts_per_class_and_are_seeded():
    rng = np.random.default_rng(0)
    labels = rng.permutation(np.repeat(np.arange(4), 50))
    counts, order = [40, 20, 9, 3], [2, 0, 3, 1]
    kept = long_tail_indices(labels, counts, order, seed=5)
    assert np.all(np.diff(kept) > 0)
    for label, count in zip(order, counts):
        assert np.sum(labels[kept] == label) == count
    np.testing.assert_array_equal(
        kept, long_tail_indices(labels, counts, order, seed=5))
    assert not np.array_equal(kept,
                              long_tail_indices(labels, counts, order, seed=6))


def test_indices_name_the_short_class():
    labels = np.array([0] * 5 + [1] * 2)
    with pytest.raises(ValueError, match='class 1 has 2 samples'):
        long_tail_indices(labels, [5, 3], [0, 1], seed=0)
