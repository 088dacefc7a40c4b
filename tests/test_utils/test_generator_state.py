# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch

from mmpfb.utils import generator_state
from mmpfb.utils.generator_state import rank_states_to_restore

HOLDER = 'Probe: the checkpoint holds the test states'


@pytest.fixture
def logs(monkeypatch):
    messages = []
    monkeypatch.setattr(generator_state, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


def table(num_ranks):
    return torch.stack([
        torch.Generator().manual_seed(rank).get_state()
        for rank in range(num_ranks)
    ])


def test_same_world_size_restores_every_row_silently(logs, loaded):
    saved = table(2)
    rows = rank_states_to_restore(loaded(saved), HOLDER, 2)
    # states that set_rng_state accepts, wherever the table was loaded
    # to: host copies, not views into the table
    before = torch.get_rng_state()
    torch.set_rng_state(rows[1])
    assert torch.equal(torch.get_rng_state(), saved[1])
    torch.set_rng_state(before)
    assert [torch.equal(row, saved[r])
            for r, row in enumerate(rows)] == [True, True]
    assert logs == []
    assert rows[1].storage_offset() == 0
    rows[1].zero_()
    assert torch.equal(saved, table(2))


def test_more_ranks_than_saved_leave_the_others_unset(logs):
    saved = table(2)
    rows = rank_states_to_restore(saved, HOLDER, 3)
    assert torch.equal(rows[1], saved[1]) and rows[2] is None
    assert logs == [
        f'{HOLDER} of 2 process(es), this run has 3: ranks below 2 '
        'restore theirs, the others keep their seeded states; the run '
        'does not continue exactly.'
    ]


def test_fewer_ranks_than_saved_take_the_first_rows(logs):
    saved = table(3)
    rows = rank_states_to_restore(saved, HOLDER, 1)
    assert len(rows) == 1 and torch.equal(rows[0], saved[0])
    assert len(logs) == 1
    assert '3 process(es), this run has 1: ranks below 1' in logs[0]
