# Copyright (c) mmpfb contributors. All rights reserved.
"""Faults and unusual batches through the PFB step (toy backbone)."""
import math

import pytest
import torch

from mmpfb.experiments.testing import ToyBackbone, ToySplitter
from mmpfb.models.blocking import (SELECTION_CRITERIA, PartialForwardBlocking,
                                   kept_sample_selection)
from mmpfb.models.density import DensitySettings


def build(prune_ratio=0.5, num_centroids=4, **kwargs):
    torch.manual_seed(0)
    backbone = ToyBackbone()
    blocker = PartialForwardBlocking(
        ToySplitter(backbone, 1),
        backbone.channels[1],
        prune_ratio=prune_ratio,
        density=DensitySettings(num_centroids=num_centroids, seed=0),
        **kwargs)
    return backbone, blocker


def batch(num=8, seed=1):
    return torch.randn(
        num, 3, 16, 16, generator=torch.Generator().manual_seed(seed))


def estimator_state(blocker):
    est = blocker.estimator
    return [t.clone() for t in (est.centroids, est.counts, est.num_updates)]


@pytest.fixture
def warnings(monkeypatch):
    messages = []
    monkeypatch.setattr(kept_sample_selection, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


@pytest.mark.parametrize('criterion', SELECTION_CRITERIA)
@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
@pytest.mark.parametrize('bad', [math.nan, math.inf, -math.inf])
def test_non_finite_pixels_prune_nothing_and_leave_the_estimator(
        bad, shallow_grad, criterion, warnings):
    backbone, blocker = build(shallow_grad=shallow_grad, criterion=criterion)
    blocker(backbone, batch())  # fills the centroids
    before = estimator_state(blocker)
    for _ in range(2):
        x = batch()
        x[3, 1, 5, 7] = bad
        result = blocker(backbone, x)
        assert result.keep_index is None
        assert result.feats[0].size(0) == 8
        assert result.stats['pfb_keep_num'].item() == 8
    for got, want in zip(estimator_state(blocker), before):
        assert torch.equal(got, want)
    assert len(warnings) == 1 and 'non-finite' in warnings[0]  # once
    # a clean batch prunes again (training-mode BN normalises with the
    # batch's own statistics)
    result = blocker(backbone, batch(seed=2))
    assert len(result.keep_index) == 4
    assert torch.isfinite(result.feats[-1]).all()


def test_identical_images_are_scored_and_pruned():
    backbone, blocker = build()
    x = batch(num=1).expand(8, -1, -1, -1).contiguous()
    for _ in range(3):
        result = blocker(backbone, x)
    est = blocker.estimator
    # zero spread: every centroid is the one feature, bandwidth at eps
    assert torch.allclose(est.centroids, est.centroids[:1].expand(4, -1))
    assert torch.isfinite(est.log_density(est.centroids)).all()
    assert result.keep_index is not None and len(result.keep_index) == 4
    assert len(set(result.keep_index)) == 4
    for feat in result.feats:
        assert torch.isfinite(feat).all()


@pytest.mark.parametrize('num, min_keep, smallest', [
    (1, None, 1),
    (2, None, 2),
    (1, 1, 1),
    (2, 1, 1),
])
def test_batches_of_one_and_two(num, min_keep, smallest):
    # the toy's deep stages hold BatchNorm: min_keep None means 2
    backbone, blocker = build(prune_ratio=0.5, min_keep=min_keep)
    counts = set()
    for step in range(12):
        result = blocker(backbone, batch(num, seed=step))
        for feat in result.feats:
            assert torch.isfinite(feat).all()
        counts.add(int(result.stats['pfb_keep_num']))
    assert blocker.estimator.is_ready
    assert min(counts) == smallest and max(counts) <= num


@pytest.mark.parametrize('ratio', [1.0, 1.5, -0.1, math.nan, '0.3'])
def test_a_schedule_leaving_the_unit_interval_is_refused(ratio):
    backbone, blocker = build(prune_ratio=0.3)
    with pytest.raises(ValueError) as err:
        blocker.set_pruning(enabled=True, prune_ratio=ratio)
    assert 'prune_ratio' in str(err.value) and repr(ratio) in str(err.value)
    assert blocker.prune_ratio == 0.3
