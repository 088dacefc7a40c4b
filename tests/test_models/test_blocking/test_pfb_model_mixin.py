# Copyright (c) mmpfb contributors. All rights reserved.
"""The ratios a PFB host model shows the schedule of ``PFBHook``."""
from types import SimpleNamespace

import pytest

pytest.importorskip('mmpretrain')

from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

from mmpfb.engine import PFBHook
from mmpfb.experiments.testing.classification import tiny_classifier_cfg


@pytest.fixture
def model():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(
            tiny_classifier_cfg(
                pfb=dict(prune_ratio=0.6, block_stage=1, num_centroids=4)))


def test_the_warmup_sets_the_current_ratio_and_leaves_the_target(model):
    runner = SimpleNamespace(
        model=model,
        iter=0,
        epoch=0,
        train_dataloader=SimpleNamespace(dataset=None))
    hook = PFBHook(begin=0, warmup=4)
    hook.before_train(runner)
    assert model.target_prune_ratio == model.prune_ratio == 0.6
    for position, fraction in [(0, 1 / 4), (2, 3 / 4), (5, 1.0)]:
        runner.iter = position
        hook.before_train_iter(runner, position)
        # the linear warm-up: target * (position + 1) / warmup, at most 1
        assert model.prune_ratio == pytest.approx(0.6 * fraction)
        assert model.pruning_summary()['prune_ratio'] == pytest.approx(
            0.6 * fraction)
        assert model.target_prune_ratio == 0.6
        assert model.blocker.target_prune_ratio == 0.6
