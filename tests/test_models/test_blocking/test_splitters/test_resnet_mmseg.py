# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

pytest.importorskip('mmseg')

from mmseg.registry import MODELS

from mmpfb.models.blocking.splitters import ResNetSplitter, build_splitter
from mmpfb.testing.segmentation import TINY_BACKBONES
from .splitter_checks import (assert_modules_partition,
                              assert_split_equals_forward,
                              assert_subset_equals_forward_on_subset)


def build_backbone(**overrides):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build({**TINY_BACKBONES['resnet'], **overrides})


@pytest.mark.parametrize('block_stage', range(0, 5))
def test_shallow_then_deep_equals_forward(block_stage):
    backbone = build_backbone()
    inputs = torch.randn(3, 3, 32, 32)
    splitter, _ = assert_split_equals_forward(backbone, block_stage, inputs)
    assert isinstance(splitter, ResNetSplitter)
    assert_subset_equals_forward_on_subset(backbone, block_stage, inputs,
                                           torch.tensor([0, 2]))
    assert_modules_partition(backbone, block_stage)


@pytest.mark.parametrize('block_stage', [0 - 1, 5, 1.0])
def test_block_stage_out_of_range(block_stage):
    with pytest.raises(ValueError) as err:
        build_splitter(build_backbone(), block_stage)
    assert 'block_stage' in str(err.value)
    assert repr(block_stage) in str(err.value)
    assert '[0, 4]' in str(err.value)


@pytest.mark.parametrize('type_', ['ResNet', 'ResNetV1d', 'ResNeXt'])
def test_other_resnets_and_frozen_stages(type_):
    extra = dict(groups=2, base_width=4) if type_ == 'ResNeXt' else {}
    backbone = build_backbone(
        type=type_,
        depth=50 if type_ == 'ResNeXt' else 18,
        out_indices=(1, 3),
        frozen_stages=1,
        norm_eval=True,
        **extra)
    backbone.train()
    assert_split_equals_forward(backbone, 2, torch.randn(2, 3, 32, 32))
    frozen = [p.requires_grad for p in backbone.layer1.parameters()]
    assert not any(frozen)
