# Copyright (c) mmpfb contributors. All rights reserved.
"""The selection half of the step: the kept count and its resumption."""
import copy

import numpy as np
import torch

from mmpfb.experiments.testing import ToyBackbone
from mmpfb.models.blocking import KeptSampleSelection
from mmpfb.models.density import DensitySettings


def selection(seed=0, prune_ratio=0.3, min_keep=None, **kwargs):
    return KeptSampleSelection(
        channels=16,
        prune_ratio=prune_ratio,
        density=DensitySettings(num_centroids=2, feat_dim=16, seed=seed),
        min_keep=min_keep,
        criterion='density',
        class_quota=False,
        sampling_strength=1.0,
        loss_memory_weight=0.0,
        loss_memory_size=None,
        **kwargs)


def test_keep_count_is_unbiased_and_clamped():
    kept = selection()
    kept.learn(torch.randn(2, 16))
    counts = [kept.draw_keep_count(2, ()) for _ in range(4000)]
    assert set(counts) == {1, 2}
    assert abs(np.mean(counts) - 1.4) < 0.03
    kept.set_pruning(prune_ratio=0.9)
    kept.min_keep = 2
    assert all(kept.draw_keep_count(2, ()) == 2 for _ in range(50))
    assert all(kept.draw_keep_count(1, ()) == 1 for _ in range(50))


def test_min_keep_follows_the_modules_after_the_block():
    kept = selection(prune_ratio=0.9)
    kept.learn(torch.randn(2, 16))
    plain_bn = torch.nn.BatchNorm2d(4).train()
    assert all(kept.draw_keep_count(2, [plain_bn]) == 2 for _ in range(50))
    assert min(kept.draw_keep_count(2, [ToyBackbone()]) for _ in range(50)) \
        == 1


def test_state_dict_round_trip_reproduces_the_next_selection():
    kept = selection(seed=0)
    gen = torch.Generator().manual_seed(0)
    kept.learn(torch.randn(2, 16, generator=gen))
    kept.learn(torch.randn(6, 16, generator=gen))
    x = torch.randn(10, 16, generator=gen)
    state = copy.deepcopy(kept.state_dict())
    num_keep = kept.draw_keep_count(10, ())
    expected = kept.select_and_learn(x, num_keep)[1]

    other = selection(seed=99)
    other.load_state_dict(state)
    assert other.draw_keep_count(10, ()) == num_keep
    assert other.select_and_learn(x, num_keep)[1] == expected
