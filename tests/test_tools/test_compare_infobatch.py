# Copyright (c) mmpfb contributors. All rights reserved.
"""The comparison of tools/analysis_tools/compare_infobatch.py, run on
fake "official" modules written here (no clone of the official code):
one that prunes exactly as mmpfb does, and variants that differ in one
known way each, which the comparison must report."""
import importlib.util
import itertools
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

pytest.importorskip('mmengine')

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' / \
    'compare_infobatch.py'
SMALL = dict(num_samples=256, batch_size=32)


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('tool_compare_infobatch',
                                                  TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeInfoBatch:
    """The official interface (``sampler``, ``set_active_indices``,
    ``get_weights``, ``update``) over mmpfb's rule: pass ``e`` is a
    permutation seeded with ``e``; in passes 1 to ``floor(delta * E) - 1``
    the first ``round(r * C)`` of the ``C`` below-mean samples in it are
    dropped and the rest weighted ``C / (C - dropped)``. The class
    attributes change one thing each."""
    extra_epochs = 0  # prune this many epochs more
    keep_tail_weights = False  # leave the last weights in the tail
    below_mean = True  # False: the samples above the mean are candidates
    seed_offset = 0  # draw other passes from the same candidates

    def __init__(self, dataset, num_epochs, prune_ratio=0.5, delta=0.875):
        self.size = len(dataset)
        self.stop = math.floor(delta * num_epochs) + self.extra_epochs
        self.ratio = prune_ratio
        self.scores = torch.full((self.size, ), math.nan, dtype=torch.float64)
        self.weights = torch.ones(self.size, dtype=torch.float64)
        self.index = None

    @property
    def sampler(self):
        return FakeSampler(self)

    def draw(self, epoch):
        gen = torch.Generator().manual_seed(epoch + self.seed_offset)
        order = torch.randperm(self.size, generator=gen)
        if not 1 <= epoch < self.stop:
            if not self.keep_tail_weights:
                self.weights[:] = 1
            return order.tolist()
        mean = self.scores.mean()
        candidate = (
            self.scores < mean if self.below_mean else self.scores >= mean)
        ranked = order[candidate[order]]
        drop = round(self.ratio * len(ranked))
        self.weights[:] = 1
        self.weights[ranked[drop:]] = len(ranked) / (len(ranked) - drop)
        keep = torch.ones(self.size, dtype=torch.bool)
        keep[ranked[:drop]] = False
        return order[keep[order]].tolist()

    def set_active_indices(self, index):
        self.index = index

    def get_weights(self, index):
        return self.weights[index]

    def update(self, values):
        self.scores[self.index] = values.double()
        return (values * self.weights[self.index]).mean()


class FakeSampler:
    """One pass per ``iter()`` call, counted in ``iterations``."""

    def __init__(self, dataset):
        self.dataset = dataset
        self.iterations = 0

    def __iter__(self):
        order = self.dataset.draw(self.iterations)
        self.iterations += 1
        return iter(order)


def fake(**changes):
    """A fake official module whose InfoBatch has ``changes``."""
    return SimpleNamespace(
        InfoBatch=type('InfoBatch', (FakeInfoBatch, ), changes))


def test_the_same_rule_gives_the_same_epochs(tool):
    result = tool.compare_infobatch(
        fake(), num_epochs=10, prune_ratio=0.3, **SMALL)
    for ours, theirs in zip(result.ours, result.official, strict=True):
        assert (ours.kept, ours.rescaled,
                ours.weights) == (theirs.kept, theirs.rescaled, theirs.weights)
    assert result.pruned('ours') == result.pruned('official') == list(
        range(1, 8))
    assert result.stop_epoch('ours') == result.stop_epoch('official') == 8
    assert result.eligible_overlap() == {e: 1.0 for e in range(1, 8)}
    assert set(result.tail_rescaled('official').values()) == {0.0}
    assert [r.passes for r in result.official] == list(range(1, 11))
    assert result.summary()['epochs_ended'] == dict(ours=True, official=True)


def test_one_epoch_more_of_pruning_is_reported(tool):
    result = tool.compare_infobatch(
        fake(extra_epochs=1), num_epochs=8, delta=0.75, **SMALL)
    assert result.stop_epoch('ours') == 6
    assert result.stop_epoch('official') == 7
    assert result.pruned('official') == result.pruned('ours') + [6]


def test_weights_left_in_the_tail_are_reported(tool):
    result = tool.compare_infobatch(
        fake(keep_tail_weights=True), num_epochs=10, **SMALL)
    last_pruned = result.official[7].rescaled / SMALL['num_samples']
    assert last_pruned > 0.2
    assert result.tail_rescaled('official') == {8: last_pruned, 9: last_pruned}
    assert result.tail_rescaled('ours') == {8: 0.0, 9: 0.0}
    weights = result.official[9].weights
    assert len(weights) == 2 and min(weights) == 1.0 and max(weights) > 1.9


def test_other_draws_from_the_same_candidates_are_told_apart(tool):
    # fixed losses: both tables hold the same scores in every epoch
    result = tool.compare_infobatch(
        fake(seed_offset=1000), num_epochs=8, losses='fixed', **SMALL)
    assert result.eligible_overlap() == {e: 1.0 for e in range(1, 7)}
    for ours, theirs in zip(result.ours[1:7], result.official[1:7]):
        assert (ours.kept, ours.rescaled) == (theirs.kept, theirs.rescaled)


def test_other_candidates_are_reported(tool):
    result = tool.compare_infobatch(
        fake(below_mean=False), num_epochs=4, delta=0.5, **SMALL)
    assert result.pruned('official') == result.pruned('ours') == [1]
    assert result.eligible_overlap()[1] < 0.1


def test_an_epoch_that_does_not_end_stops_the_run(tool):

    class Endless(FakeSampler):

        def __iter__(self):
            self.iterations += 1
            return itertools.cycle(range(self.dataset.size))

    module = fake(sampler=property(Endless))
    result = tool.compare_infobatch(
        module, num_epochs=4, max_samples_factor=2, **SMALL)
    assert len(result.ours) == 4
    assert [r.ended for r in result.official] == [False]
    assert result.official[0].visited == 2 * SMALL['num_samples']
    assert result.summary()['epochs_ended']['official'] is False
    assert 'not ended after 512 samples' in '\n'.join(
        tool.format_comparison(result))


@pytest.mark.parametrize('drop_last', [False, True])
def test_iter_calls_of_the_batch_sampler(tool, drop_last):
    # torch 2.1: one call per epoch; later releases one per batch (plus
    # the first and the empty last one) or the first and one per slot of
    # a batch
    per_batch = 1 + 4 if drop_last else 1 + 3 + 1
    calls = tool.batch_sampler_iter_calls(10, 4, drop_last)
    assert calls in (1, per_batch)


def test_a_folder_without_the_official_code_is_refused(tool, tmp_path):
    with pytest.raises(tool.ToolError, match='git clone'):
        tool.load_official(str(tmp_path))
