# Copyright (c) mmpfb contributors. All rights reserved.
"""Checks shared by the per-backbone splitter tests."""
import torch

from mmpfb.models.blocking import build_splitter
from mmpfb.models.density import pool_representation


def assert_split_equals_forward(backbone, block_stage, inputs):
    """shallow + deep reproduce the backbone's forward, and the scored
    feature has the channels the splitter reports."""
    backbone.eval()
    splitter = build_splitter(backbone, block_stage)
    with torch.no_grad():
        expected = backbone(inputs)
        state = splitter.forward_shallow(backbone, inputs)
        got = splitter.forward_deep(backbone, state)
    assert type(got) is type(expected)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert torch.equal(a, b)
    x = pool_representation(state.feature, 10**6)
    assert x.shape == (inputs.size(0), splitter.channels(backbone))
    return splitter, state


def assert_subset_equals_forward_on_subset(backbone, block_stage, inputs,
                                           index):
    """Deep part on the kept rows == backbone on the kept inputs."""
    backbone.eval()
    splitter = build_splitter(backbone, block_stage)
    with torch.no_grad():
        state = splitter.forward_shallow(backbone, inputs)
        got = splitter.forward_deep(backbone, state.index_select(index))
        expected = backbone(inputs.index_select(0, index))
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b)


def assert_modules_partition(backbone, block_stage):
    """Shallow and deep modules cover the backbone's submodules'
    parameters once (parameters of the backbone itself, such as Swin's
    absolute position embedding, belong to neither)."""
    splitter = build_splitter(backbone, block_stage)
    shallow = {
        id(p)
        for m in splitter.shallow_modules(backbone)
        for p in m.parameters(recurse=False)
    }
    deep = {
        id(p)
        for m in splitter.deep_modules(backbone)
        for p in m.parameters(recurse=False)
    }
    assert not shallow & deep
    own = {id(p) for p in backbone.parameters(recurse=False)}
    assert shallow | deep == {id(p) for p in backbone.parameters()} - own
