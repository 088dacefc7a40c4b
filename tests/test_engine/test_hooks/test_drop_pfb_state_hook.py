# Copyright (c) mmpfb contributors. All rights reserved.
"""PFB checkpoints into plain parents and back, for both hosts."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_checkpoint

from mmpfb.engine import DropPFBStateHook
from mmpfb.engine.hooks import drop_pfb_state_hook
from mmpfb.models.density import adaptive_density_estimator

PFB = dict(block_stage=2, prune_ratio=0.5, num_centroids=2)


def build_pair(host, fill=True):
    """A PFB model (its estimator filled) and its plain parent."""
    pytest.importorskip(host)
    if host == 'mmseg':
        from mmseg.registry import MODELS

        from mmpfb.experiments.testing.segmentation import \
            tiny_segmentor_cfg as cfg
    else:
        from mmpretrain.registry import MODELS

        from mmpfb.experiments.testing.classification import \
            tiny_classifier_cfg as cfg
    with DefaultScope.overwrite_default_scope(host):
        pfb = MODELS.build(cfg(pfb=PFB))
        plain = MODELS.build(cfg())
    if fill:
        pfb.blocker.learn(torch.randn(3, pfb.blocker.estimator.feat_dim))
    return pfb, plain


def spy(monkeypatch, module):
    messages = []
    monkeypatch.setattr(module, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


@pytest.mark.parametrize('host', ['mmseg', 'mmpretrain'])
def test_plain_checkpoint_into_pfb_model(host, tmp_path, monkeypatch):
    _, plain = build_pair(host)
    fresh, _ = build_pair(host, fill=False)
    path = tmp_path / 'plain.pth'
    torch.save(dict(state_dict=plain.state_dict()), path)
    messages = spy(monkeypatch, adaptive_density_estimator)
    load_checkpoint(fresh, str(path))
    for key, value in plain.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key
    # the estimator starts empty, and says so
    assert int(fresh.blocker.estimator.num_filled) == 0
    assert len(messages) == 1 and 'no density estimator state' in messages[0]


@pytest.mark.parametrize('host', ['mmseg', 'mmpretrain'])
def test_pfb_checkpoint_into_plain_parent(host, monkeypatch):
    pfb, plain = build_pair(host)
    checkpoint = dict(state_dict=pfb.state_dict())
    pfb_keys = [
        k for k in checkpoint['state_dict'] if k.startswith('blocker.')
    ]
    assert 'blocker.estimator.centroids' in pfb_keys
    messages = spy(monkeypatch, drop_pfb_state_hook)
    DropPFBStateHook().after_load_checkpoint(
        SimpleNamespace(model=plain), checkpoint)
    assert len(messages) == 1
    assert f'{len(pfb_keys)} keys' in messages[0]
    assert type(plain).__name__ in messages[0]
    # nothing unexpected or missing is left
    plain.load_state_dict(checkpoint['state_dict'], strict=True)
    for key, value in plain.state_dict().items():
        assert torch.equal(value, pfb.state_dict()[key]), key


@pytest.mark.parametrize('host', ['mmseg', 'mmpretrain'])
def test_the_hook_keeps_the_state_for_a_pfb_model(host, monkeypatch):
    pfb, _ = build_pair(host)
    checkpoint = dict(state_dict=pfb.state_dict())
    before = set(checkpoint['state_dict'])
    messages = spy(monkeypatch, drop_pfb_state_hook)
    DropPFBStateHook().after_load_checkpoint(
        SimpleNamespace(model=pfb), checkpoint)
    assert set(checkpoint['state_dict']) == before and messages == []
