# Copyright (c) mmpfb contributors. All rights reserved.
"""The worked example of ``docs/backbones.md`` runs as documented."""
import re
from pathlib import Path

import pytest
import torch
from mmengine.registry import DefaultScope

from mmpfb.experiments.testing.classification import tiny_cls_batch
from mmpfb.models.blocking.splitters import build_splitter
from mmpfb.registry import SPLITTERS

DOC = Path(__file__).resolve().parents[4] / 'docs' / 'backbones.md'


@pytest.fixture
def example():
    """The doc's code run as module ``mypackage.models``; its classes are
    removed from the registries afterwards."""
    pytest.importorskip('mmpretrain')
    from mmpretrain.registry import MODELS
    blocks = re.findall(r'```python\n(.*?)```', DOC.read_text(), re.S)
    assert len(blocks) == 1, f'{DOC} should hold one python example'
    namespace = dict(__name__='mypackage.models')
    try:
        exec(compile(blocks[0], str(DOC), 'exec'), namespace)
        yield namespace
    finally:
        MODELS.module_dict.pop('TinyNet', None)
        SPLITTERS.module_dict.pop('TinyNetSplitter', None)
    assert 'TinyNetSplitter' not in SPLITTERS.module_dict


@pytest.mark.parametrize('block_stage', [1, 2, 3])
def test_example_splitter_splits_its_backbone(example, block_stage):
    backbone = example['TinyNet']().eval()
    splitter = build_splitter(backbone, block_stage)
    assert type(splitter) is example['TinyNetSplitter']
    inputs = torch.randn(3, 3, 16, 16)
    with torch.no_grad():
        state = splitter.forward_shallow(backbone, inputs)
        got = splitter.forward_deep(backbone, state)
        expected = backbone(inputs)
    assert state.feature.size(1) == splitter.channels(backbone)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert torch.equal(a, b)


def test_example_trains_with_pfb(example):
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='mmpfb.PFBImageClassifier',
                backbone=dict(type='TinyNet'),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=5, in_channels=32),
                pfb=dict(block_stage=1, prune_ratio=0.5, num_centroids=2)))
    inputs, samples = tiny_cls_batch(4)
    model.train()
    model.loss(inputs, samples)  # fills the estimator
    losses = model.loss(inputs, samples)
    assert losses['pfb_keep_num'].item() == 2
    losses['loss'].backward()
    assert model.backbone.stages[2][0].weight.grad is not None
