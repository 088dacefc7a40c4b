# Copyright (c) mmpfb contributors. All rights reserved.
from fractions import Fraction

import pytest
import torch

from mmpfb.models.blocking.class_quota import (class_quotas,
                                               keep_by_class_quota,
                                               label_map_class)


def reference_quotas(classes, num_keep):
    """Largest remainders with exact fractions, one class at a time."""
    n = len(classes)
    ids = sorted(set(classes))
    exact = {c: Fraction(classes.count(c) * num_keep, n) for c in ids}
    quota = {c: int(exact[c]) for c in ids}
    left = num_keep - sum(quota.values())
    by_remainder = sorted(ids, key=lambda c: (-(exact[c] - quota[c]), c))
    for c in by_remainder[:left]:
        quota[c] += 1
    return quota


@pytest.mark.parametrize('seed', range(20))
def test_quotas_are_largest_remainders_of_the_class_shares(seed):
    gen = torch.Generator().manual_seed(seed)
    n = int(torch.randint(1, 40, (), generator=gen))
    classes = torch.randint(0, 6, (n, ), generator=gen) * 3 - 1
    num_keep = int(torch.randint(0, n + 1, (), generator=gen))
    ids, quotas = class_quotas(classes, num_keep)
    got = dict(zip(ids.tolist(), quotas.tolist()))
    assert got == reference_quotas(classes.tolist(), num_keep)
    assert sum(got.values()) == num_keep


def test_each_class_keeps_its_smallest_scores():
    classes = torch.tensor([0, 1, 0, 0, 1, 2, 0, 1])
    scores = torch.tensor([0.9, 0.1, 0.2, 0.5, 0.8, 0.7, 0.1, 0.3])
    # K = 4 of 8: class 0 keeps 2 of 4; classes 1 (1.5) and 2 (0.5)
    # tie on the remainder and the smaller id gets the last one
    keep = keep_by_class_quota(scores, classes, 4)
    assert keep.tolist() == [1, 2, 6, 7]
    # a plain top-4 would now keep rows 0, 1, 3, 6: three of class 0
    scores[[0, 3]] = torch.tensor([0.0, 0.05])
    assert keep_by_class_quota(scores, classes, 4).tolist() == [0, 1, 3, 7]


@pytest.mark.parametrize('rule, expected', [('dominant', 2), ('rarest', 0)])
def test_label_map_class(rule, expected):
    # 0 once, 1 twice, 2 three times, 255 (ignored) six times
    label_map = torch.tensor([[0, 1, 1, 2], [2, 2, 255, 255],
                              [255, 255, 255, 255]])
    assert label_map_class(label_map, 255, rule) == expected
    assert label_map_class(torch.full((2, 2), 255), 255, rule) == -1


def test_label_map_rule_is_checked():
    with pytest.raises(ValueError, match="rule must be one of .*'most'"):
        label_map_class(torch.zeros(2, 2), 255, 'most')
