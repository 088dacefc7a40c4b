# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch

from mmpfb.models.blocking.weighted_sampling import (inclusion_probabilities,
                                                     rarity_sample,
                                                     systematic_sample)


@pytest.mark.parametrize(
    'weights, num_keep, expected',
    [
        ([1.0, 1.0, 2.0, 4.0], 2, [0.25, 0.25, 0.5, 1.0]),  # 4/8 * 2 = 1
        # 10 / 14 * 2 > 1: the first is sure, the others share the other 1
        ([10.0, 1.0, 1.0, 1.0, 1.0], 2, [1.0, 0.25, 0.25, 0.25, 0.25]),
        # capping the first pushes the second over one as well
        ([9.0, 6.0, 1.0, 1.0, 1.0], 3, [1.0, 1.0, 1 / 3, 1 / 3, 1 / 3]),
        ([3.0, 1.0, 2.0], 3, [1.0, 1.0, 1.0]),
    ])
def test_inclusion_probabilities(weights, num_keep, expected):
    probs = inclusion_probabilities(torch.tensor(weights), num_keep)
    assert probs.tolist() == pytest.approx(expected)


@pytest.mark.parametrize('weights, num_keep, message', [
    ([1.0, 1.0], 3, r'num_keep must be in \[1, 2\], but got 3'),
    ([1.0, 1.0], 0, r'num_keep must be in \[1, 2\], but got 0'),
    ([1.0, 0.0], 1, 'weights must be positive and finite'),
    ([1.0, float('inf')], 1, 'weights must be positive and finite'),
])
def test_bad_sampling_input_is_named(weights, num_keep, message):
    with pytest.raises(ValueError, match=message):
        inclusion_probabilities(torch.tensor(weights), num_keep)


def test_systematic_sample_draws_each_row_with_its_probability():
    probs = inclusion_probabilities(
        torch.tensor([5.0, 1.0, 2.0, 0.5, 3.0, 1.0]), 3)
    generator = torch.Generator().manual_seed(0)
    counts = torch.zeros(6)
    draws = 20000
    for _ in range(draws):
        keep = systematic_sample(probs, generator)
        assert len(keep) == 3 and len(set(keep.tolist())) == 3
        assert keep.tolist() == sorted(keep.tolist())
        counts[keep] += 1
    assert (counts / draws).tolist() == pytest.approx(
        probs.tolist(), abs=0.015)


def mean_weighted_loss(log_density, losses, num_keep, strength, draws=20000):
    """The mean over draws of the kept rows' mean weighted loss, and how
    often each row was kept."""
    generator = torch.Generator().manual_seed(1)
    total, counts = 0.0, torch.zeros(len(losses))
    for _ in range(draws):
        keep, weights = rarity_sample(log_density, num_keep, strength,
                                      generator)
        total += float((weights * losses[keep]).sum()) / num_keep
        counts[keep] += 1
    return total / draws, counts / draws


def test_weighted_loss_is_unbiased_and_rare_rows_are_kept_more():
    log_density = torch.tensor([-3.0, -1.0, 0.0, 0.5, 1.0, 1.2, 1.4, 2.0])
    losses = torch.tensor([4.0, 0.5, 2.0, 1.0, 3.0, 0.2, 0.7, 1.5])
    mean, kept = mean_weighted_loss(log_density, losses, 3, strength=1.0)
    assert mean == pytest.approx(float(losses.mean()), rel=0.02)
    # the rarest (lowest density) row is kept most, the densest least
    assert kept.argmax() == 0 and kept.argmin() == 7
    assert float(kept.sum()) == pytest.approx(3.0)


def test_zero_strength_is_uniform_random_pruning():
    log_density = torch.tensor([-3.0, -1.0, 0.0, 2.0])
    keep, weights = rarity_sample(log_density, 2, 0.0,
                                  torch.Generator().manual_seed(0))
    assert len(keep) == 2 and weights.tolist() == [1.0, 1.0]
    _, kept = mean_weighted_loss(log_density, torch.ones(4), 2, 0.0, 4000)
    assert kept.tolist() == pytest.approx([0.5] * 4, abs=0.03)
