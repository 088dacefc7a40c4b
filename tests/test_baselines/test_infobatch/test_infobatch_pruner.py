# Copyright (c) mmpfb contributors. All rights reserved.
import math

import pytest
import torch

from mmpfb.baselines.infobatch import InfoBatchPruner


def scored(num=40, seed=0, **kwargs):
    """A pruner with random scores (one sample unseen), planned for 8
    passes, after its first pass."""
    pruner = InfoBatchPruner(num, **kwargs)
    pruner.plan(8)
    pruner.new_pass()
    gen = torch.Generator().manual_seed(seed)
    scores = torch.rand(num, generator=gen, dtype=torch.float64)
    pruner.update(range(1, num), scores[1:])
    return pruner


@pytest.mark.parametrize('kwargs, name', [
    (dict(prune_ratio=1.0), 'prune_ratio'),
    (dict(prune_ratio=-0.1), 'prune_ratio'),
    (dict(prune_ratio='0.5'), 'prune_ratio'),
    (dict(delta=0), 'delta'),
    (dict(delta=1.5), 'delta'),
    (dict(threshold='median'), 'threshold'),
    (dict(threshold=0.0), 'threshold'),
    (dict(saved_ratio=1.0), 'saved_ratio'),
])
def test_bad_arguments_name_argument_and_value(kwargs, name):
    with pytest.raises(ValueError) as err:
        InfoBatchPruner(10, **kwargs)
    assert name in str(err.value) and repr(kwargs[name]) in str(err.value)


def test_first_pass_keeps_everything_in_default_sampler_order():
    pruner = InfoBatchPruner(10, seed=3)
    first = pruner.new_pass()
    gen = torch.Generator().manual_seed(3)
    assert first['order'].tolist() == torch.randperm(
        10, generator=gen).tolist()
    assert not first['rescaled'].any()


def test_only_seen_below_mean_samples_are_dropped_and_rescaled():
    pruner = scored(prune_ratio=0.5)
    mean = pruner.scores[1:].mean()
    item = pruner.new_pass()
    kept = set(item['order'].tolist())
    below = {i for i in range(1, 40) if pruner.scores[i] < mean}
    dropped = set(range(40)) - kept
    assert dropped and dropped <= below
    assert 0 in kept  # unseen: always kept
    rescaled = set(item['order'][item['rescaled']].tolist())
    assert rescaled == below - dropped
    assert item['num_candidates'] == len(below)
    assert len(dropped) == round(0.5 * len(below))
    assert item['weight'] == pytest.approx(len(below) / len(rescaled))


def test_a_few_candidates_keep_one_to_carry_the_weight():
    # two candidates below the mean: r = 0.9 of them rounds to both
    pruner = InfoBatchPruner(5, prune_ratio=0.9)
    pruner.plan(8)
    pruner.new_pass()
    pruner.update(
        range(1, 5), torch.tensor([0.1, 0.2, 0.9, 0.95], dtype=torch.float64))
    item = pruner.new_pass()
    kept = item['order'].tolist()
    assert item['num_candidates'] == 2
    assert sorted(kept) in ([0, 1, 3, 4], [0, 2, 3, 4])  # one dropped
    assert item['rescaled'].sum() == 1
    assert item['weight'] == 2.0 and item['ratio'] == 0.5


def test_rescaled_pass_loss_is_unbiased():
    """Monte Carlo over the pass seeds: the expected weighted loss of a
    pass is the full pass's loss (float64, fixed scores)."""
    pruner = scored(prune_ratio=0.6, seed=1)
    losses = pruner.scores.nan_to_num(2.0)
    full = float(losses.sum())
    totals = []
    for seed in range(600):
        pruner.seed = seed
        pruner.num_passes = 1
        item = pruner.new_pass()
        weights = torch.where(item['rescaled'], item['weight'], 1.0)
        totals.append(float((losses[item['order']] * weights).sum()))
    mean = sum(totals) / len(totals)
    spread = torch.tensor(totals).std().item() / math.sqrt(len(totals))
    assert abs(mean - full) < 4 * spread
    assert min(totals) < full < max(totals)  # the draws do differ


def test_annealing_keeps_everything():
    pruner = scored(delta=0.5)  # passes 0..3 may prune, 4..7 not
    lengths = [len(pruner.new_pass()['order']) for _ in range(1, 8)]
    assert all(n < 40 for n in lengths[:3])
    assert lengths[3:] == [40] * 4


def test_quantile_threshold():
    pruner = scored(threshold=0.95, prune_ratio=0.5)
    item = pruner.new_pass()
    seen = pruner.scores[1:]
    assert item['num_candidates'] == int((seen < torch.quantile(seen,
                                                                0.95)).sum())


def test_saved_ratio_reaches_the_target():
    pruner = scored(num=200, prune_ratio=0.9, saved_ratio=0.2, delta=0.875)
    for _ in range(1, 8):
        pruner.new_pass()
    # 8 passes of 200 samples, 20 % of them skipped
    assert pruner.num_dropped == pytest.approx(0.2 * 8 * 200, abs=4)


def test_state_dict_round_trip_draws_the_same_passes(loaded):
    pruner = scored(keep_history=True)
    pruner.new_pass()
    state = pruner.state_dict()
    copy = InfoBatchPruner(40, keep_history=True)
    copy.load_state_dict(loaded(state))
    assert copy.entries(1, [0, 5]) == pruner.entries(1, [0, 5])
    for table in (pruner, copy):
        table.update([3, 4], [0.0, 9.0])
    assert torch.equal(pruner.new_pass()['order'], copy.new_pass()['order'])
    with pytest.raises(ValueError, match='41'):
        InfoBatchPruner(41).load_state_dict(state)
