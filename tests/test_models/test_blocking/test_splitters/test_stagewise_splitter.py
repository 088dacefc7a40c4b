# Copyright (c) mmpfb contributors. All rights reserved.
"""A :class:`StagewiseSplitter` that names only its stages splits a
backbone exactly: shallow then deep is the backbone's ``forward``."""
import pytest
import torch
import torch.nn as nn

from mmpfb.experiments.testing.toy_backbone import ToyBackbone
from mmpfb.models.blocking.splitters import StagewiseSplitter


class ToyStagewiseSplitter(StagewiseSplitter):
    """Stage 0 is the stem, stage ``i`` is ``stages[i - 1]``: the
    defaults collect stage ``i`` when ``i - 1`` is in ``out_indices``."""

    def num_stages(self, backbone: ToyBackbone) -> int:
        return len(backbone.stages)

    def channels(self, backbone: ToyBackbone) -> int:
        return backbone.channels[self.block_stage]

    def _stage_modules(self, backbone: ToyBackbone, stage: int):
        return (backbone.stages[stage - 1] if stage else backbone.stem, )


@pytest.mark.parametrize('out_indices', [(1, 2), (0, 1, 2)])
@pytest.mark.parametrize('block_stage', [0, 1, 2, 3])
def test_split_equals_forward(block_stage, out_indices):
    torch.manual_seed(0)
    backbone = ToyBackbone(out_indices=out_indices)
    splitter = ToyStagewiseSplitter(backbone, block_stage)
    inputs = torch.randn(3, 3, 16, 16)
    for training in (True, False):
        backbone.train(training)
        with torch.no_grad():
            state = splitter.forward_shallow(backbone, inputs)
            got = splitter.forward_deep(backbone, state)
            expected = backbone(inputs)
        assert type(got) is tuple and len(got) == len(expected)
        for a, b in zip(got, expected):
            torch.testing.assert_close(a, b)
    assert state.feature.size(1) == splitter.channels(backbone)
    # the deep part on kept rows is the backbone on the kept inputs
    kept = torch.tensor([0, 2])
    with torch.no_grad():
        got = splitter.forward_deep(backbone, state.index_select(kept))
        expected = backbone(inputs.index_select(0, kept))
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize('block_stage', [0, 2])
def test_shallow_modules_are_the_stem_and_first_stages(block_stage):
    backbone = ToyBackbone()
    splitter = ToyStagewiseSplitter(backbone, block_stage)
    expected = nn.ModuleList([backbone.stem, *backbone.stages[:block_stage]])
    got = {id(m) for m in splitter.shallow_modules(backbone)}
    assert got == {id(m) for m in expected.modules()} - {id(expected)}


def test_block_stage_is_checked_against_the_stages():
    with pytest.raises(ValueError, match=r'\[0, 3\]'):
        ToyStagewiseSplitter(ToyBackbone(), 4)
