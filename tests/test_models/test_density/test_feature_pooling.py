# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch

from mmpfb.models.density import pool_representation


def test_map_is_averaged_over_space_then_channel_groups():
    feat = torch.randn(3, 8, 5, 4, requires_grad=True)
    x = pool_representation(feat, feat_dim=2)
    expected = feat.detach().mean(dim=(2, 3)).reshape(3, 2, 4).mean(-1)
    torch.testing.assert_close(x, expected)
    assert not x.requires_grad and x.dtype == torch.float32


def test_tokens_and_small_channel_counts():
    tokens = torch.randn(2, 6, 5).half()
    x = pool_representation(tokens, feat_dim=128)
    assert x.shape == (2, 5) and x.dtype == torch.float32
    torch.testing.assert_close(x, tokens.float().mean(dim=1))


def test_other_shapes_are_rejected():
    with pytest.raises(ValueError, match=r'\(2, 3\)'):
        pool_representation(torch.randn(2, 3), feat_dim=2)
