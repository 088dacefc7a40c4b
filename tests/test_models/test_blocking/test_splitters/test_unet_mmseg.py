# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

pytest.importorskip('mmseg')

from mmseg.registry import MODELS

from mmpfb.models.blocking.splitters import UNetSplitter, build_splitter
from mmpfb.testing.segmentation import TINY_BACKBONES
from .splitter_checks import (assert_modules_partition,
                              assert_split_equals_forward,
                              assert_subset_equals_forward_on_subset)


def build_backbone(**overrides):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build({**TINY_BACKBONES['unet'], **overrides})


# mmseg's UNet downsamples by a max pool or by a strided first conv, or
# not at all (downsamples False): every layout must split exactly.
LAYOUTS = [
    dict(),
    dict(strides=(1, 2, 2, 1), downsamples=(False, False, True)),
    dict(downsamples=(True, False, True), dec_dilations=(1, 2, 1)),
]


@pytest.mark.parametrize('layout', LAYOUTS)
@pytest.mark.parametrize('block_stage', range(1, 5))
def test_shallow_then_deep_equals_forward(block_stage, layout):
    backbone = build_backbone(**layout)
    inputs = torch.randn(3, 3, 32, 32)
    splitter, state = assert_split_equals_forward(backbone, block_stage,
                                                  inputs)
    assert isinstance(splitter, UNetSplitter)
    # the skip features of the stages before k travel with the state
    assert len(state.outs) == block_stage - 1
    assert_subset_equals_forward_on_subset(backbone, block_stage, inputs,
                                           torch.tensor([0, 2]))
    assert_modules_partition(backbone, block_stage)


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
