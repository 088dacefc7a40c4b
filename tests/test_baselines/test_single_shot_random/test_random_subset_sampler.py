# Copyright (c) mmpfb contributors. All rights reserved.
import os.path as osp

import pytest
from mmengine.hooks import Hook

from mmpfb.baselines.single_shot_random import (RandomSubsetSampler,
                                                draw_subset)

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), *[osp.pardir] * 3))
DEMO_CFG = osp.join(REPO_ROOT, 'configs', 'demo',
                    'resnet18_1xb32-10e_demo-shapes-32px.py')


class Sized:
    """A map-style stand-in for a data set: only its length matters."""

    def __init__(self, length):
        self.length = length

    def __len__(self):
        return self.length


def ranks(monkeypatch, world_size, length, **kwargs):
    """One sampler per rank of a simulated ``world_size``."""
    samplers = []
    for rank in range(world_size):
        monkeypatch.setattr(
            'mmengine.dataset.sampler.get_dist_info',
            lambda rank=rank: (rank, world_size))
        samplers.append(RandomSubsetSampler(Sized(length), **kwargs))
    return samplers


@pytest.mark.parametrize('length, prune_ratio, kept', [(10, 0.5, 5),
                                                       (10, 0.0, 10),
                                                       (7, 0.3, 5),
                                                       (1, 0.9, 1),
                                                       (1000, 0.3, 700)])
def test_subset_size(length, prune_ratio, kept):
    sampler = RandomSubsetSampler(
        Sized(length), seed=0, prune_ratio=prune_ratio)
    indices = sampler.kept_indices
    assert sampler.num_kept == kept == len(indices) == len(sampler)
    assert indices == sorted(set(indices))
    assert 0 <= indices[0] and indices[-1] < length


@pytest.mark.parametrize('shuffle', [True, False])
def test_subset_is_fixed_across_epochs(shuffle):
    sampler = RandomSubsetSampler(
        Sized(100), shuffle=shuffle, seed=3, prune_ratio=0.3)
    kept = sampler.kept_indices
    orders = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
        assert sorted(orders[-1]) == kept
    assert sampler.kept_indices == kept
    if shuffle:  # a new order every epoch
        assert len({tuple(order) for order in orders}) == 4
    else:
        assert all(order == kept for order in orders)


@pytest.mark.parametrize('world_size, length, round_up', [(2, 100, True),
                                                          (2, 101, False),
                                                          (3, 100, True),
                                                          (3, 100, False),
                                                          (4, 10, True)])
def test_ranks_share_the_subset(monkeypatch, world_size, length, round_up):
    samplers = ranks(
        monkeypatch,
        world_size,
        length,
        seed=5,
        round_up=round_up,
        prune_ratio=0.5)
    kept = samplers[0].kept_indices
    assert all(s.kept_indices == kept for s in samplers)
    for epoch in range(3):
        shares = []
        for sampler in samplers:
            sampler.set_epoch(epoch)
            shares.append(list(sampler))
            assert len(shares[-1]) == len(sampler)
        union = sorted(i for share in shares for i in share)
        if round_up:  # equal shares, padded by repeating the first ones
            assert len({len(share) for share in shares}) == 1
            assert sorted(set(union)) == kept
        else:  # disjoint shares of the subset
            assert union == kept


def test_same_seed_same_subset():

    def subset(**kwargs):
        return RandomSubsetSampler(
            Sized(1000), prune_ratio=0.7, **kwargs).kept_indices

    assert subset(seed=1) == subset(seed=1)
    assert subset(seed=1) != subset(seed=2)
    # subset_seed fixes the subset whatever the orders' seed
    assert subset(seed=1, subset_seed=9) == subset(seed=2, subset_seed=9)
    assert subset(seed=9) == subset(seed=1, subset_seed=9)
    # the subset depends on the seed and the length only
    assert draw_subset(1000, 300, 9) == subset(seed=9)


@pytest.mark.parametrize('kwargs, name', [
    (dict(prune_ratio=1.0), 'prune_ratio'),
    (dict(prune_ratio=-0.1), 'prune_ratio'),
    (dict(prune_ratio='0.5'), 'prune_ratio'),
    (dict(prune_ratio=True), 'prune_ratio'),
    (dict(subset_seed=-1), 'subset_seed'),
    (dict(subset_seed=1.5), 'subset_seed'),
    (dict(seed=-1), 'seed'),
])
def test_bad_arguments_are_named(kwargs, name):
    kwargs = dict(dict(seed=0), **kwargs)
    value = kwargs[name]
    with pytest.raises(ValueError, match=f'^{name} .*{value!r}'):
        RandomSubsetSampler(Sized(10), **kwargs)


def test_empty_data_set_is_named():
    with pytest.raises(ValueError, match='^dataset .* 0 samples'):
        RandomSubsetSampler(Sized(0), seed=0)


class RecordHook(Hook):
    """Record the data set indices of every epoch's samples."""
    priority = 'LOWEST'

    def __init__(self):
        self.epochs = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        samples = data_batch['data_samples']
        indices = [s.metainfo['sample_idx'] for s in samples]
        self.epochs.setdefault(runner.epoch, []).extend(indices)


class StopAfterEpoch(Hook):
    """Stop after the first epoch's checkpoint, as a killed job would."""
    priority = 'LOWEST'

    def after_train_epoch(self, runner):
        runner.train_loop.stop_training = True


@pytest.fixture(scope='module')
def shapes_root(tmp_path_factory):
    pytest.importorskip('mmpretrain')
    from mmpfb.experiments.datasets.demo_shapes import generate_demo_shapes
    root = str(tmp_path_factory.mktemp('demo_shapes'))
    generate_demo_shapes(root, num_train=20, num_val=10, seed=0)
    return root


def train(root, work_dir, hook, resume=False, stop=False):
    """Three epochs of the classification demo on 20 images, batches of
    4, on the subset of 10 (3 iterations per epoch), set up as
    ``tools/train.py`` sets it up."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmpfb.utils import register_all_modules
    register_all_modules()  # as tools/train.py: loads our checkpoints
    cfg = Config.fromfile(DEMO_CFG)
    cfg.merge_from_dict({
        'train_dataloader.batch_size': 4,
        'train_dataloader.dataset.data_root': root,
        'train_dataloader.sampler.type': 'mmpfb.RandomSubsetSampler',
        'train_dataloader.sampler.prune_ratio': 0.5,
        'train_cfg.max_epochs': 3,
        'param_scheduler.0.end': 3,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
    })
    cfg.model.backbone.update(base_channels=4, stem_channels=4)
    cfg.model.head.in_channels = 32
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.work_dir = str(work_dir)
    cfg.resume = resume
    runner = Runner.from_cfg(cfg)
    runner.register_hook(hook)
    if stop:
        runner.register_hook(StopAfterEpoch())
    runner.train()
    return runner


def test_runner_trains_on_the_subset_and_resumes_it(shapes_root, tmp_path):
    full = RecordHook()
    runner = train(shapes_root, tmp_path / 'a', full)
    kept = runner.train_dataloader.sampler.kept_indices
    assert len(kept) == 10 and len(runner.train_dataloader) == 3
    assert sorted(full.epochs) == [0, 1, 2]
    for seen in full.epochs.values():  # batches of 4, 4 and 2
        assert sorted(seen) == kept
    assert runner.iter == 9
    train(shapes_root, tmp_path / 'b', RecordHook(), stop=True)
    resumed = RecordHook()
    runner = train(shapes_root, tmp_path / 'b', resumed, resume=True)
    assert runner.train_dataloader.sampler.kept_indices == kept
    assert resumed.epochs == {k: full.epochs[k] for k in (1, 2)}
