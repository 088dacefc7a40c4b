# Copyright (c) mmpfb contributors. All rights reserved.
"""UNet specifics; split == forward for every layout is in the table of
test_backbone_splitters.py."""
import pytest
import torch
from mmengine.registry import DefaultScope

pytest.importorskip('mmseg')

from mmseg.registry import MODELS

from mmpfb.experiments.testing.segmentation import TINY_BACKBONES
from mmpfb.models.blocking.splitters import build_splitter


def build_backbone(**overrides):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build({**TINY_BACKBONES['unet'], **overrides})


@pytest.mark.parametrize('block_stage', [1, 3])
def test_gradients_equal_forward_in_training_mode(block_stage):
    backbone = build_backbone()
    backbone.train()
    inputs = torch.randn(2, 3, 32, 32)
    splitter = build_splitter(backbone, block_stage)

    def split(x):
        return splitter.forward_deep(backbone,
                                     splitter.forward_shallow(backbone, x))

    grads = []
    for run in (backbone, split):
        backbone.zero_grad()
        sum(out.square().sum() for out in run(inputs)).backward()
        grads.append({
            n: p.grad.clone()
            for n, p in backbone.named_parameters()
        })
    for name, grad in grads[0].items():
        assert torch.equal(grads[1][name], grad), name


def test_indivisible_input_fails_like_the_backbone():
    backbone = build_backbone()
    splitter = build_splitter(backbone, 2)
    with pytest.raises(AssertionError, match='divisible'):
        splitter.forward_shallow(backbone, torch.randn(1, 3, 20, 20))


@pytest.mark.parametrize('block_stage', [0, 5, 1.0])
def test_block_stage_out_of_range(block_stage):
    with pytest.raises(ValueError) as err:
        build_splitter(build_backbone(), block_stage)
    assert 'block_stage' in str(err.value)
    assert repr(block_stage) in str(err.value)
    assert '[1, 4]' in str(err.value)


@pytest.mark.parametrize('block_stage', range(1, 5))
def test_channels_are_the_scored_feature_channels(block_stage):
    backbone = build_backbone()
    splitter = build_splitter(backbone, block_stage)
    with torch.no_grad():
        state = splitter.forward_shallow(backbone, torch.randn(1, 3, 32, 32))
    assert state.feature.size(1) == splitter.channels(backbone) == \
        8 * 2**(block_stage - 1)
