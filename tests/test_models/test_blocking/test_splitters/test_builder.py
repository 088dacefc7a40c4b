# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from mmpfb.models.blocking.splitters import ShallowState, build_splitter
from mmpfb.models.blocking.splitters.refused_backbones import REFUSED_BACKBONES


def test_unsupported_backbone_lists_the_supported_ones():
    with pytest.raises(TypeError) as err:
        build_splitter(nn.Conv2d(3, 3, 1), 1)
    message = str(err.value)
    assert 'Conv2d' in message
    for name in ('mmseg.ResNet', 'mmpretrain.ResNet_CIFAR',
                 'mmseg.MixVisionTransformer', 'mmpretrain.SwinTransformer',
                 'docs/backbones.md'):
        assert name in message


def test_subclass_with_its_own_forward_is_not_supported():
    pytest.importorskip('mmseg')
    from mmseg.models.backbones import ResNet

    class MyResNet(ResNet):

        def forward(self, x):
            return super().forward(x)

    with pytest.raises(TypeError, match='MyResNet.*overrides the forward'):
        build_splitter(MyResNet(depth=18), 1)


def test_shallow_state_selects_rows_and_keeps_meta():
    feature = torch.arange(4.).view(4, 1)
    state = ShallowState(
        feature=feature,
        carry=feature * 2,
        outs=[feature * 3],
        meta=dict(hw_shape=(2, 2)))
    sub = state.index_select(torch.tensor([1, 3]))
    assert sub.feature.flatten().tolist() == [1., 3.]
    assert sub.carry.flatten().tolist() == [2., 6.]
    assert sub.outs[0].flatten().tolist() == [3., 9.]
    assert sub.meta == dict(hw_shape=(2, 2))


@pytest.mark.parametrize('key', sorted(REFUSED_BACKBONES))
def test_refused_backbone_says_why(key):
    package, name = key.split('.')
    # a stand-in with the refused class's key: the hosts' own classes are
    # large, and the key is all the builder reads
    refused = type(name, (nn.Identity, ), dict(__module__=package))
    with pytest.raises(TypeError) as err:
        build_splitter(refused(), 1)
    message = str(err.value)
    assert key in message and REFUSED_BACKBONES[key] in message
    assert 'supported backbones' not in message
