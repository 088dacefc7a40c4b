# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

from mmpfb.analysis.check_splitter import check_splitter, valid_stages
from mmpfb.experiments.testing.segmentation import TINY_BACKBONES


def resnet_builder(**overrides):
    from mmseg.registry import MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build({**TINY_BACKBONES['resnet'], **overrides})


def test_every_stage_checked_and_shares_grow_to_the_whole():
    pytest.importorskip('mmseg')
    assert valid_stages(resnet_builder()) == range(0, 5)
    reports = check_splitter(resnet_builder, input_shape=(3, 32, 32))
    assert [r.block_stage for r in reports] == [0, 1, 2, 3, 4]
    for report in reports:
        # ResNet freezes stages: both variants in both modes
        assert report.checks == {
            'train': True,
            'eval': True,
            'train, frozen': True,
            'eval, frozen': True
        }
    flops = [r.flops_share for r in reports]
    params = [r.params_share for r in reports]
    assert 0 < flops[0] < flops[1] < flops[2] < flops[3]
    # the shallow part at the last stage is the whole backbone
    assert flops[-1] == pytest.approx(1.0)
    assert params[-1] == pytest.approx(1.0)


def test_a_wrong_split_is_reported(monkeypatch):
    pytest.importorskip('mmseg')
    from mmpfb.models.blocking.splitters import ResNetSplitter
    monkeypatch.setattr(ResNetSplitter, 'stem_maxpool', False)
    (report, ) = check_splitter(
        resnet_builder, block_stages=[1], input_shape=(3, 32, 32))
    assert not report.ok
