# Copyright (c) mmpfb contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch

from mmpfb.models.blocking.rare_or_hard import (rare_or_hard_importance,
                                                standardised)
from ...reference_kde import reference_rare_or_hard

NAN, INF = math.nan, math.inf
# rank scores g_i (smaller is rarer): a tie, an underflow to 0
SCORES = [0.31, 1.0, 0.0042, 0.31, 0.0, 0.57, 0.012, 0.088]
LOG_SCORES = [-3.1, 0.0, -9.7, -3.1, -12.5, -1.4, -6.0, -4.2]
LOSSES = {
    'none': [NAN] * 8,
    'one': [NAN, 2.3, NAN, NAN, NAN, NAN, NAN, NAN],
    'some': [0.7, NAN, 2.3, INF, 0.0, NAN, 1.1, 0.05],
    'all': [0.7, 3.2, 2.3, 0.4, 1e-3, 0.9, 1.1, 0.05],
}


@pytest.mark.parametrize('log_scores', [False, True])
@pytest.mark.parametrize('weight', [0.5, 1.0, 3.0])
@pytest.mark.parametrize('seen', sorted(LOSSES))
def test_importance_matches_the_brute_force_reference(seen, weight,
                                                      log_scores):
    scores = LOG_SCORES if log_scores else SCORES
    losses = LOSSES[seen]
    got = rare_or_hard_importance(
        torch.tensor(scores), torch.tensor(losses), weight, log_scores)
    want = reference_rare_or_hard(
        np.float32(scores), np.float32(losses), weight, log_scores)
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    # the kept rows: the largest importances
    kept = got.argsort(descending=True, stable=True)[:3]
    assert sorted(kept.tolist()) == sorted(
        np.argsort(-want, kind='stable')[:3].tolist())


@pytest.mark.parametrize('log_scores', [False, True])
@pytest.mark.parametrize('seen', ['none', 'one'])
def test_without_a_loss_spread_the_ranking_is_pfb_s_ties_included(
        seen, log_scores):
    scores = torch.tensor(LOG_SCORES if log_scores else SCORES)
    importance = rare_or_hard_importance(scores,
                                         torch.tensor(LOSSES[seen]), 2.0,
                                         log_scores)
    pfb_order = torch.sort(scores, stable=True).indices
    assert torch.equal(torch.sort(-importance, stable=True).indices,
                       pfb_order)


def test_a_larger_weight_moves_hard_samples_up():
    scores = torch.tensor(SCORES)
    losses = torch.tensor(LOSSES['all'])
    rank = [
        int((rare_or_hard_importance(scores, losses, weight) >
             rare_or_hard_importance(scores, losses, weight)[1]).sum())
        for weight in (0.5, 10.0)
    ]
    # sample 1: the densest (g = 1) and the hardest (3.2)
    assert rank[0] > rank[1] == 0


@pytest.mark.parametrize('values, mask, want', [
    ([2.0, 2.0, 2.0], [True, True, True], [0.0, 0.0, 0.0]),
    ([2.0, NAN, 5.0], [True, False, False], [0.0, 0.0, 0.0]),
    ([1.0, NAN, 3.0], [True, False, True], [-1.0, 0.0, 1.0]),
])
def test_standardised_is_zero_outside_the_mask_and_without_spread(
        values, mask, want):
    got = standardised(
        torch.tensor(values, dtype=torch.float64), torch.tensor(mask))
    assert got.tolist() == want
