# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

pytest.importorskip('mmpretrain')

from mmpretrain.registry import MODELS

from mmpfb.models.blocking.splitters import (ResNetCIFARSplitter,
                                             ResNetSplitter, build_splitter)
from mmpfb.testing.classification import TINY_CLS_BACKBONES
from .splitter_checks import (assert_modules_partition,
                              assert_split_equals_forward,
                              assert_subset_equals_forward_on_subset)


def build_backbone(name, **overrides):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build({**TINY_CLS_BACKBONES[name], **overrides})


@pytest.mark.parametrize('name, splitter_cls', [
    ('resnet', ResNetSplitter),
    ('resnet_cifar', ResNetCIFARSplitter),
])
@pytest.mark.parametrize('block_stage', range(0, 5))
def test_shallow_then_deep_equals_forward(name, splitter_cls, block_stage):
    backbone = build_backbone(name, out_indices=(0, 1, 2, 3))
    inputs = torch.randn(3, 3, 32, 32)
    splitter, _ = assert_split_equals_forward(backbone, block_stage, inputs)
    assert type(splitter) is splitter_cls
    assert_subset_equals_forward_on_subset(backbone, block_stage, inputs,
                                           torch.tensor([1, 2]))
    assert_modules_partition(backbone, block_stage)


@pytest.mark.parametrize('type_', ['ResNet', 'ResNetV1c', 'ResNeXt'])
def test_other_resnets_with_frozen_stages(type_):
    extra = dict(groups=2, width_per_group=4) if type_ == 'ResNeXt' else {}
    backbone = build_backbone(
        'resnet',
        type=type_,
        depth=50 if type_ == 'ResNeXt' else 18,
        out_indices=(1, 3),
        frozen_stages=1,
        norm_eval=True,
        **extra)
    backbone.train()
    assert_split_equals_forward(backbone, 2, torch.randn(2, 3, 32, 32))


@pytest.mark.parametrize('block_stage', [-1, 5])
def test_block_stage_out_of_range(block_stage):
    with pytest.raises(ValueError, match=r'block_stage.*\[0, 4\]'):
        build_splitter(build_backbone('resnet_cifar'), block_stage)
