# Copyright (c) mmpfb contributors. All rights reserved.
"""Re-parameterisable backbones: a splitter built on the training form
still gives the backbone's forward, at every valid ``block_stage``, after
``backbone.switch_to_deploy()``, and its shallow and deep modules still
partition the (new) parameters."""
import pytest
import torch
from mmengine.registry import DefaultScope

from mmpfb.analysis.check_splitter import valid_stages
from mmpfb.experiments.testing.classification import TINY_CLS_BACKBONES
from mmpfb.models.blocking.splitters import build_splitter

REPARAMETERISABLE = ('repvgg', 'mobileone', 'riformer', 'repmlp')


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Tiny models run fastest on one thread (and a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def param_ids(modules) -> set:
    return {id(p) for m in modules for p in m.parameters(recurse=False)}


@pytest.mark.parametrize('name', REPARAMETERISABLE)
def test_split_after_switch_to_deploy(name):
    registry = pytest.importorskip('mmpretrain.registry').MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        backbone = registry.build(TINY_CLS_BACKBONES[name])
    inputs = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        backbone.train()
        backbone(inputs)  # batch statistics for the fused norms
    stages = valid_stages(backbone)
    splitters = [build_splitter(backbone, k) for k in stages]
    before = {id(p) for p in backbone.parameters()}
    backbone.switch_to_deploy()
    # the switch replaced modules: the splitters must see the new ones
    assert {id(p) for p in backbone.parameters()} != before
    for training in (True, False):
        backbone.train(training)
        with torch.no_grad():
            expected = backbone(inputs)
            for splitter in splitters:
                got = splitter.forward_deep(
                    backbone, splitter.forward_shallow(backbone, inputs))
                assert len(got) == len(expected)
                for out, ref in zip(got, expected):
                    torch.testing.assert_close(out, ref)
    for splitter in splitters:
        shallow = param_ids(splitter.shallow_modules(backbone))
        deep = param_ids(splitter.deep_modules(backbone))
        assert not shallow & deep
        own = param_ids([backbone])
        assert shallow | deep == {id(p) for p in backbone.parameters()} - own
