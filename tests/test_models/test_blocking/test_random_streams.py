# Copyright (c) mmpfb contributors. All rights reserved.
"""The step's random streams across checkpoints, copies and ranks."""
import copy
import pickle

import pytest
import torch
import torch.distributed as dist

from mmpfb.experiments.testing import ToyBackbone, ToySplitter
from mmpfb.models.blocking import PartialForwardBlocking, RandomStreams
from mmpfb.models.density import AdaptiveDensityEstimator, DensitySettings
from mmpfb.utils import generator_state
from ...gloo_processes import run_on_ranks


@pytest.fixture
def logs(monkeypatch):
    messages = []
    monkeypatch.setattr(generator_state, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


def test_streams_are_seeded_by_seed_and_rank():
    streams = RandomStreams(5)
    assert torch.equal(
        torch.rand(3, generator=streams.shared),
        torch.rand(3, generator=torch.Generator().manual_seed(5)))
    assert torch.equal(
        torch.rand(3, generator=streams.local),
        torch.rand(3, generator=torch.Generator().manual_seed(6)))


def test_generators_continue_after_loading(loaded):
    streams = RandomStreams(0)
    for name in RandomStreams.GENERATORS:
        torch.rand(5, generator=getattr(streams, name))
    resumed = RandomStreams(1)
    resumed.load_state_dict(loaded(streams.state_dict()))
    for name in RandomStreams.GENERATORS:
        assert torch.equal(
            torch.rand(4, generator=getattr(resumed, name)),
            torch.rand(4, generator=getattr(streams, name))), name
    for name, buffer in resumed.named_buffers():
        assert type(buffer) is torch.Tensor, name  # on the module's device


@pytest.mark.parametrize(
    'duplicate', [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))],
    ids=['deepcopy', 'pickle'])
def test_copy_continues_each_generator_on_its_own(duplicate):
    streams = RandomStreams(0)
    torch.rand(5, generator=streams.local)
    twin = duplicate(streams)
    for name in RandomStreams.GENERATORS:
        ours, theirs = getattr(streams, name), getattr(twin, name)
        assert theirs is not ours
        assert torch.equal(
            torch.rand(4, generator=theirs), torch.rand(4, generator=ours))


def test_checkpoint_of_more_ranks_restores_rank_0_and_warns(logs, loaded):
    ranks = [RandomStreams(0) for _ in range(2)]
    for rank, streams in enumerate(ranks):
        streams.local.manual_seed(10 + rank)
    state = ranks[0].state_dict()
    # as rank 0 would save after gathering both ranks' states
    state['local_generator_states'] = torch.stack(
        [streams.local.get_state() for streams in ranks])
    resumed = RandomStreams(0)
    resumed.load_state_dict(loaded(state))
    assert torch.equal(resumed.local.get_state(), ranks[0].local.get_state())
    assert resumed.local_generator_states.shape[0] == 1
    assert len(logs) == 1
    assert '2 process(es), this run has 1' in logs[0]


def gather_and_resume_on_rank(rank, tmp_path):
    streams = RandomStreams(0)
    est = AdaptiveDensityEstimator(
        DensitySettings(num_centroids=2, feat_dim=3))
    # the ranks draw different amounts, as their kept counts differ
    torch.rand(3 + rank, generator=streams.local)
    # rank 1 keeps nothing this step; the state is still shared
    rows = torch.arange(6.).view(2, 3) if rank == 0 else torch.zeros(0, 3)
    est.update(streams.gather_rows(rows), streams.shared)
    own = streams.local.get_state()
    states = [None, None]
    dist.all_gather_object(states, own)
    # every rank's state_dict holds every rank's local state
    saved = streams.state_dict()
    assert torch.equal(saved['local_generator_states'], torch.stack(states))
    assert torch.equal(
        est.centroids,
        torch.arange(6.).view(2, 3)[[
            int(i) for i in torch.randperm(
                2, generator=torch.Generator().manual_seed(0))
        ]])
    if rank == 0:
        torch.save(saved, tmp_path / 'rank0.pth')
    dist.barrier()
    expected = torch.rand(4, generator=streams.local)

    resumed = RandomStreams(0)
    resumed.load_state_dict(torch.load(tmp_path / 'rank0.pth'))
    assert torch.equal(torch.rand(4, generator=resumed.local), expected), rank


@pytest.mark.two_processes
def test_each_rank_resumes_its_own_local_generator(tmp_path):
    run_on_ranks(gather_and_resume_on_rank, tmp_path, tmp_path)


def blocker():
    backbone = ToyBackbone()
    return backbone, PartialForwardBlocking(
        ToySplitter(backbone, 2),
        backbone.channels[2],
        prune_ratio=0.5,
        density=DensitySettings(num_centroids=4, seed=0))


def test_checkpoint_with_the_estimators_generator_keys_resumes_exactly():
    backbone, saved = blocker()
    x = torch.randn(8, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    saved(backbone, x)
    saved(backbone, x)
    # the keys as versions whose estimator held the generators wrote them
    state = {
        key.replace('random_streams.', 'estimator.'): value
        for key, value in saved.state_dict().items()
    }
    assert 'estimator.shared_generator_state' in state
    _, resumed = blocker()
    resumed.load_state_dict(state)
    assert resumed(backbone, x).keep_index == saved(backbone, x).keep_index
    for name in RandomStreams.GENERATORS:
        assert torch.equal(
            getattr(resumed.random_streams, name).get_state(),
            getattr(saved.random_streams, name).get_state())
