# Copyright (c) mmpfb contributors. All rights reserved.
"""The estimator's state across checkpoints: shapes, per-rank generators."""
import copy
import pickle

import pytest
import torch
import torch.distributed as dist

from mmpfb.models.density import (AdaptiveDensityEstimator, DensitySettings,
                                  adaptive_density_estimator)
from mmpfb.utils import generator_state
from ...gloo_processes import run_on_ranks


def estimator(num_centroids=2, feat_dim=3):
    return AdaptiveDensityEstimator(
        DensitySettings(
            num_centroids=num_centroids, feat_dim=feat_dim, seed=0))


@pytest.fixture
def logs(monkeypatch):
    messages = []
    # the estimator warns itself, and through the per-rank state helper
    for module in (adaptive_density_estimator, generator_state):
        monkeypatch.setattr(module, 'print_log',
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


def test_generators_continue_after_loading(loaded):
    est = estimator()
    for name in AdaptiveDensityEstimator.GENERATORS:
        torch.rand(5, generator=getattr(est, name))
    state = est.state_dict()
    resumed = estimator()
    resumed.load_state_dict(loaded(state))
    for name in AdaptiveDensityEstimator.GENERATORS:
        assert torch.equal(
            torch.rand(4, generator=getattr(resumed, name)),
            torch.rand(4, generator=getattr(est, name))), name
    for name, buffer in resumed.named_buffers():
        assert type(buffer) is torch.Tensor, name  # on the module's device


@pytest.mark.parametrize(
    'duplicate', [copy.deepcopy, lambda est: pickle.loads(pickle.dumps(est))],
    ids=['deepcopy', 'pickle'])
def test_copy_continues_each_generator_on_its_own(duplicate):
    est = estimator()
    torch.rand(5, generator=est.local_generator)
    twin = duplicate(est)
    for name in AdaptiveDensityEstimator.GENERATORS:
        ours, theirs = getattr(est, name), getattr(twin, name)
        assert theirs is not ours
        assert torch.equal(
            torch.rand(4, generator=theirs), torch.rand(4, generator=ours))


def test_checkpoint_of_more_ranks_restores_rank_0_and_warns(logs, loaded):
    ranks = [estimator() for _ in range(2)]
    for rank, est in enumerate(ranks):
        est.local_generator.manual_seed(10 + rank)
    state = ranks[0].state_dict()
    # as rank 0 would save after gathering both ranks' states
    state['local_generator_states'] = torch.stack(
        [est.local_generator.get_state() for est in ranks])
    resumed = estimator()
    resumed.load_state_dict(loaded(state))
    assert torch.equal(resumed.local_generator.get_state(),
                       ranks[0].local_generator.get_state())
    assert resumed.local_generator_states.shape[0] == 1
    assert len(logs) == 1
    assert '2 process(es), this run has 1' in logs[0]


def gather_and_resume_on_rank(rank, tmp_path):
    est = estimator()
    # the ranks draw different amounts, as their kept counts differ
    torch.rand(3 + rank, generator=est.local_generator)
    # rank 1 keeps nothing this step; the state is still shared
    rows = torch.arange(6.).view(2, 3) if rank == 0 else torch.zeros(0, 3)
    est.update(rows)
    own = est.local_generator.get_state()
    states = [None, None]
    dist.all_gather_object(states, own)
    # every rank's state_dict holds every rank's local state
    saved = est.state_dict()
    assert torch.equal(saved['local_generator_states'], torch.stack(states))
    assert torch.equal(
        saved['centroids'],
        torch.arange(6.).view(2, 3)[[
            int(i) for i in torch.randperm(
                2, generator=torch.Generator().manual_seed(0))
        ]])
    if rank == 0:
        torch.save(saved, tmp_path / 'rank0.pth')
    dist.barrier()
    expected = torch.rand(4, generator=est.local_generator)

    resumed = estimator()
    resumed.load_state_dict(torch.load(tmp_path / 'rank0.pth'))
    assert torch.equal(
        torch.rand(4, generator=resumed.local_generator), expected), rank


def test_each_rank_resumes_its_own_local_generator(tmp_path):
    run_on_ranks(gather_and_resume_on_rank, tmp_path, tmp_path)


def test_estimator_computes_in_float32_under_autocast():
    est = estimator(num_centroids=4, feat_dim=8)
    gen = torch.Generator().manual_seed(0)
    est.update(torch.randn(4, 8, generator=gen))
    batch = torch.randn(16, 8, generator=gen)
    plain = estimator(num_centroids=4, feat_dim=8)
    plain.load_state_dict(est.state_dict())
    expected_density = plain.log_density(batch)
    plain.update(batch)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        density = est.log_density(batch)
        est.update(batch)
    assert density.dtype == torch.float32
    assert torch.equal(density, expected_density)
    assert est.centroids.dtype == torch.float32
    assert torch.equal(est.centroids, plain.centroids)
