# Copyright (c) mmpfb contributors. All rights reserved.
import math

import pytest
import torch
import torch.distributed as dist

from mmpfb.models.blocking import loss_memory as loss_memory_module
from mmpfb.models.blocking.loss_memory import LossMemory
from ...gloo_processes import run_on_ranks

NAN = math.nan


def values(memory):
    return [None if math.isnan(v) else v for v in memory.losses.tolist()]


def test_update_stores_the_trained_samples_only():
    memory = LossMemory(6)
    assert values(memory) == [None] * 6
    memory.update([4, 1], torch.tensor([0.5, 2.0]))
    assert values(memory) == [None, 2.0, None, None, 0.5, None]
    # a later step trains 1 and 3: 4 keeps its loss
    memory.update([1, 3], torch.tensor([3.0, 1.5]))
    assert values(memory) == [None, 3.0, None, 1.5, 0.5, None]
    assert memory.lookup([3, 0, 4]).tolist()[::2] == [1.5, 0.5]
    assert memory.summary() == dict(memory_seen=0.5)


def test_an_index_twice_in_a_step_keeps_its_last_loss():
    memory = LossMemory(3)
    memory.update([2, 0, 2], torch.tensor([1.0, 5.0, 4.0]))
    assert values(memory) == [5.0, None, 4.0]


def test_fit_sizes_an_unsized_memory_and_checks_a_sized_one():
    memory = LossMemory()
    assert memory.num_samples == 0 and memory.summary()['memory_seen'] == 0
    with pytest.raises(RuntimeError, match='mmpfb.PFBHook.*loss_memory_size'):
        memory.lookup([0])
    memory.fit(5)
    assert values(memory) == [None] * 5
    memory.fit(5)
    with pytest.raises(ValueError) as err:
        LossMemory(6).fit(5)
    message = str(err.value)
    assert 'pfb.loss_memory_size=6' in message
    assert 'holds 6 samples, but the training data set has 5' in message


@pytest.mark.parametrize('size', [0, -3, 2.5, True, '10'])
def test_bad_size_names_the_key_and_the_value(size):
    with pytest.raises(ValueError) as err:
        LossMemory(size)
    assert 'loss_memory_size' in str(err.value)
    assert repr(size) in str(err.value)


@pytest.mark.parametrize('index', [-1, 4, 1.0, True, '2'])
def test_an_index_outside_the_memory_names_sample_idx_and_the_value(index):
    memory = LossMemory(4)
    for call in (lambda: memory.lookup([0, index]),
                 lambda: memory.update([index], torch.ones(1))):
        with pytest.raises(ValueError) as err:
            call()
        assert f'sample_idx={index!r}' in str(err.value)
        assert '4 samples (pfb.loss_memory_size=4)' in str(err.value)
    assert values(memory) == [None] * 4


@pytest.mark.parametrize('size', [None, 6])
def test_state_dict_round_trip_is_exact(size, loaded):
    memory = LossMemory(6)
    memory.update([0, 5, 2], torch.tensor([0.1, 7.25, 1 / 3]))
    resumed = LossMemory(size)
    resumed.load_state_dict(loaded(memory.state_dict()))
    assert type(resumed.losses) is torch.Tensor  # on the module's device
    assert torch.equal(
        resumed.losses.nan_to_num(-1), memory.losses.nan_to_num(-1))
    resumed.fit(6)


def test_checkpoint_of_another_size_names_both_sizes_and_the_key():
    saved = LossMemory(6).state_dict()
    with pytest.raises(ValueError) as err:
        LossMemory(5).load_state_dict(saved)
    message = str(err.value)
    assert "checkpoint's losses remembers 6 samples" in message
    assert 'holds 5 (pfb.loss_memory_size=5)' in message
    # unsized, the memory takes the checkpoint's size; the data set's
    # length then disagrees
    loaded = LossMemory()
    loaded.load_state_dict(saved)
    with pytest.raises(ValueError) as err:
        loaded.fit(5)
    message = str(err.value)
    assert "(the checkpoint's losses) holds 6 samples" in message
    assert 'the training data set has 5' in message


def test_checkpoint_without_a_memory_is_named(monkeypatch):
    messages = []
    monkeypatch.setattr(loss_memory_module, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    memory = LossMemory()
    memory.load_state_dict({}, strict=False)
    assert memory.num_samples == 0
    assert len(messages) == 1 and 'no loss memory' in messages[0]


def update_and_resume_on_rank(rank, tmp_path):
    memory = LossMemory(8)
    # the ranks train different numbers of samples; 6 is on both in the
    # same step: rank 1's loss is the last
    if rank == 0:
        memory.update([0, 6, 3], torch.tensor([1.0, 2.0, 3.0]))
    else:
        memory.update([6, 7], torch.tensor([4.0, 5.0]))
    assert values(memory) == [1.0, None, None, 3.0, None, None, 4.0, 5.0]
    memory.update([3 + rank], torch.tensor([10.0 + rank]))
    expected = [1.0, None, None, 10.0, 11.0, None, 4.0, 5.0]
    assert values(memory) == expected
    if rank == 0:  # only rank 0 writes checkpoints
        torch.save(memory.state_dict(), tmp_path / 'rank0.pth')
    dist.barrier()
    resumed = LossMemory()
    resumed.load_state_dict(torch.load(tmp_path / 'rank0.pth'))
    resumed.fit(8)
    assert values(resumed) == expected, rank


@pytest.mark.two_processes
def test_two_ranks_hold_the_same_memory_and_resume_it(tmp_path):
    run_on_ranks(update_and_resume_on_rank, tmp_path, tmp_path)
