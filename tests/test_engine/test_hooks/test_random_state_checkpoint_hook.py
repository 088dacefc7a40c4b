# Copyright (c) mmpfb contributors. All rights reserved.
"""RandomStateCheckpointHook on its own, and the one PFBHook runs for a
runner without it."""
from types import SimpleNamespace
from unittest.mock import Mock

import pytest
import torch
from mmengine.runner import Runner

from mmpfb.engine import PFBHook, RandomStateCheckpointHook
from mmpfb.engine.hooks import random_state_checkpoint_hook
from mmpfb.utils import generator_state
from .toy_runner import LossRecord, toy_runner_cfg


@pytest.fixture(params=['RandomStateCheckpointHook', 'PFBHook'])
def hook(request):
    """The hook itself, or a PFBHook (its model a mock) running one."""
    if request.param == 'PFBHook':
        pfb = PFBHook()
        pfb.model = Mock()
        return pfb
    return RandomStateCheckpointHook()


@pytest.fixture
def global_state():
    """torch's global CPU random state as it was before the test."""
    before = torch.get_rng_state()
    yield before
    torch.set_rng_state(before)


def generator_states(num_ranks, seed=0):
    """One generator state per rank, stacked as the checkpoint holds
    them."""
    return torch.stack([
        torch.Generator().manual_seed(seed + rank).get_state()
        for rank in range(num_ranks)
    ])


def resume_at(hook, state, saved_at=3, runner_at=3):
    """Load a checkpoint of iteration ``saved_at`` holding ``state``,
    then start the iteration ``runner_at``."""
    hook.after_load_checkpoint(
        None, dict(meta=dict(iter=saved_at), pfb_torch_rng_states=state))
    hook.before_train_iter(SimpleNamespace(iter=runner_at, epoch=0), 0)


def test_resume_restores_the_cpu_and_cuda_random_states(
        hook, loaded, monkeypatch, global_state):
    # torch.cuda.set_rng_state ends in the CUDA generator's set_state,
    # which takes a CPU ByteTensor only; a CPU generator, whose set_state
    # makes the same check, stands in for it
    cuda = torch.Generator()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'set_rng_state', cuda.set_state)
    saved = dict(cpu=generator_states(1), cuda=generator_states(1, seed=1))
    resume_at(hook, loaded(saved))
    assert torch.equal(torch.get_rng_state(), saved['cpu'][0])
    assert torch.equal(cuda.get_state(), saved['cuda'][0])


def test_load_from_keeps_the_seeded_state(hook, global_state):
    # load_from: training starts at 0, not where the checkpoint was saved
    resume_at(hook, dict(cpu=generator_states(1)), runner_at=0)
    assert torch.equal(torch.get_rng_state(), global_state)


def test_another_number_of_processes_is_named(hook, monkeypatch, global_state):
    messages = []
    monkeypatch.setattr(generator_state, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    saved = generator_states(2)
    resume_at(hook, dict(cpu=saved))
    assert torch.equal(torch.get_rng_state(), saved[0])
    assert len(messages) == 1
    assert messages[0].startswith(
        f'{type(hook).__name__}: the checkpoint holds the torch random '
        'states of 2 process(es), this run has 1')


def test_checkpoint_holds_every_rank_as_of_its_last_iteration(monkeypatch):
    # rank 1 of two: its state as gathered after the iteration
    other = torch.Generator().manual_seed(1).get_state()[None]
    gathered = []
    monkeypatch.setattr(random_state_checkpoint_hook, 'get_world_size',
                        lambda: 2)
    monkeypatch.setattr(random_state_checkpoint_hook, 'all_gather',
                        lambda t: gathered.append(t) or [t, other])
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    hook = RandomStateCheckpointHook()
    hook.after_train_iter(None, 0)
    assert len(gathered) == 1
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    saved = checkpoint['pfb_torch_rng_states']
    assert list(saved) == ['cpu']
    assert torch.equal(saved['cpu'][0], torch.get_rng_state())
    assert torch.equal(saved['cpu'][1], other[0])


def train_toy(work_dir, max_iters, hooks, resume=False):
    record = LossRecord()
    cfg = toy_runner_cfg(work_dir, max_iters, [*hooks, record])
    Runner(resume=resume, **cfg).train()
    return record.losses


LOADER = dict(type='mmpfb.SafeCheckpointLoaderHook')
RANDOM_STATES = dict(type='mmpfb.RandomStateCheckpointHook')


@pytest.mark.parametrize('hooks, exact', [([LOADER, RANDOM_STATES], True),
                                          ([LOADER], False)])
def test_resume_without_pfb_continues_exactly(tmp_path, mmengine_loader, hooks,
                                              exact):
    # dropout draws from torch's global generator, which MMEngine seeds
    # again when the run resumes
    full = train_toy(tmp_path / 'a', 6, hooks)
    train_toy(tmp_path / 'b', 3, hooks)
    resumed = train_toy(tmp_path / 'b', 6, hooks, resume=True)
    assert sorted(resumed) == [3, 4, 5]  # 0-based
    same = [resumed[it] == full[it] for it in (3, 4, 5)]
    assert same == [exact] * 3
