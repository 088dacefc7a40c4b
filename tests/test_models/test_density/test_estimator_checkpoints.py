# Copyright (c) mmpfb contributors. All rights reserved.
"""The estimator's state across checkpoints: shapes, a missing state,
float32 under autocast."""
import pytest
import torch

from mmpfb.models.density import (AdaptiveDensityEstimator, DensitySettings,
                                  adaptive_density_estimator)


def estimator(num_centroids=2, feat_dim=3):
    return AdaptiveDensityEstimator(
        DensitySettings(
            num_centroids=num_centroids, feat_dim=feat_dim, seed=0))


@pytest.fixture
def logs(monkeypatch):
    messages = []
    monkeypatch.setattr(adaptive_density_estimator, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


@pytest.mark.parametrize('num_centroids, feat_dim', [(3, 3), (2, 4)])
def test_other_centroid_shape_names_both_shapes(num_centroids, feat_dim):
    saved = estimator().state_dict()
    other = estimator(num_centroids, feat_dim)
    with pytest.raises(ValueError) as err:
        other.load_state_dict(saved)
    message = str(err.value)
    assert 'centroids has shape (2, 3)' in message
    assert f'has shape ({num_centroids}, {feat_dim})' in message
    assert f'num_centroids={num_centroids}' in message


def test_mmengine_loader_raises_the_shape_error_too(tmp_path):
    # MMEngine's loader only warns about mismatched shapes by default
    from mmengine.runner.checkpoint import load_checkpoint
    path = tmp_path / 'estimator.pth'
    torch.save(dict(state_dict=estimator().state_dict()), path)
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(4, 3\)'):
        load_checkpoint(estimator(4, 3), str(path))


def test_checkpoint_without_estimator_state_is_named(logs):
    fresh = estimator()
    fresh.load_state_dict({}, strict=False)
    assert not fresh.is_ready
    assert len(logs) == 1 and 'no density estimator state' in logs[0]


def test_estimator_computes_in_float32_under_autocast():
    est = estimator(num_centroids=4, feat_dim=8)
    gen = torch.Generator().manual_seed(0)
    est.update(torch.randn(4, 8, generator=gen), torch.Generator())
    batch = torch.randn(16, 8, generator=gen)
    plain = estimator(num_centroids=4, feat_dim=8)
    plain.load_state_dict(est.state_dict())
    expected_density = plain.log_density(batch)
    plain.update(batch, torch.Generator())
    with torch.autocast('cpu', dtype=torch.bfloat16):
        density = est.log_density(batch)
        est.update(batch, torch.Generator())
    assert density.dtype == torch.float32
    assert torch.equal(density, expected_density)
    assert est.centroids.dtype == torch.float32
    assert torch.equal(est.centroids, plain.centroids)
