# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

pytest.importorskip('mmseg')

from mmseg.registry import MODELS

from mmpfb.models.blocking.splitters import MiTSplitter, build_splitter
from mmpfb.testing.segmentation import TINY_BACKBONES
from .splitter_checks import (assert_modules_partition,
                              assert_split_equals_forward,
                              assert_subset_equals_forward_on_subset)


def build_backbone(**overrides):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build({**TINY_BACKBONES['mit'], **overrides})


@pytest.mark.parametrize('block_stage', range(1, 5))
def test_shallow_then_deep_equals_forward(block_stage):
    backbone = build_backbone()
    inputs = torch.randn(3, 3, 32, 32)
    splitter, _ = assert_split_equals_forward(backbone, block_stage, inputs)
    assert isinstance(splitter, MiTSplitter)
    assert_subset_equals_forward_on_subset(backbone, block_stage, inputs,
                                           torch.tensor([0, 2]))
    assert_modules_partition(backbone, block_stage)


@pytest.mark.parametrize('block_stage', [1 - 1, 5, 1.0])
def test_block_stage_out_of_range(block_stage):
    with pytest.raises(ValueError) as err:
        build_splitter(build_backbone(), block_stage)
    assert 'block_stage' in str(err.value)
    assert repr(block_stage) in str(err.value)
    assert '[1, 4]' in str(err.value)
