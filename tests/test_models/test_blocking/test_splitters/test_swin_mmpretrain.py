# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

pytest.importorskip('mmpretrain')

from mmpretrain.registry import MODELS

from mmpfb.models.blocking.splitters import (MMPretrainSwinSplitter,
                                             build_splitter)
from mmpfb.testing.classification import TINY_CLS_BACKBONES
from .splitter_checks import (assert_modules_partition,
                              assert_split_equals_forward,
                              assert_subset_equals_forward_on_subset)


def build_backbone(**overrides):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build({**TINY_CLS_BACKBONES['swin'], **overrides})


@pytest.mark.parametrize('out_after_downsample', [False, True])
@pytest.mark.parametrize('block_stage', range(0, 5))
def test_shallow_then_deep_equals_forward(block_stage, out_after_downsample):
    backbone = build_backbone(
        out_indices=(0, 1, 2, 3),
        out_after_downsample=out_after_downsample,
        use_abs_pos_embed=True)
    inputs = torch.randn(3, 3, 32, 32)
    splitter, _ = assert_split_equals_forward(backbone, block_stage, inputs)
    assert isinstance(splitter, MMPretrainSwinSplitter)
    assert_subset_equals_forward_on_subset(backbone, block_stage, inputs,
                                           torch.tensor([0, 1]))
    assert_modules_partition(backbone, block_stage)


def test_block_stage_out_of_range():
    with pytest.raises(ValueError, match=r'block_stage.*\[0, 4\].*7'):
        build_splitter(build_backbone(), 7)
