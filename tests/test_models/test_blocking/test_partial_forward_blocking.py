# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB step on a pure-torch backbone: needs only torch and MMEngine."""
import inspect
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode

from mmpfb.experiments.testing import ToyBackbone, ToySplitter
from mmpfb.models.blocking import (SELECTION_CRITERIA, PartialForwardBlocking,
                                   Selection, register_criterion)
from mmpfb.models.blocking.blocking_options import STEP_OPTIONS
from mmpfb.models.blocking.weighted_sampling import rarity_sample
from mmpfb.models.density import DensitySettings, pool_representation
from ...reference_kde import reference_log_density, reference_rare_or_hard

# the Tensor methods that copy a value to the host: on CUDA each one
# waits for every queued kernel
HOST_READS = ('__bool__', '__float__', '__index__', '__int__', 'item',
              'tolist')


class HostReadSpy(TorchFunctionMode):
    """Records every host read of a tensor value."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, '__name__', '')
        if name in HOST_READS:
            self.reads.append(name)
        return func(*args, **(kwargs or {}))


def build(block_stage=2, prune_ratio=0.5, num_centroids=4, **kwargs):
    torch.manual_seed(0)
    backbone = ToyBackbone()
    blocker = PartialForwardBlocking(
        ToySplitter(backbone, block_stage),
        backbone.channels[block_stage],
        prune_ratio=prune_ratio,
        density=DensitySettings(num_centroids=num_centroids, seed=0),
        **kwargs)
    return backbone, blocker


def inputs(num=8):
    generator = torch.Generator().manual_seed(1)
    return torch.randn(num, 3, 16, 16, generator=generator)


@pytest.mark.parametrize('block_stage', [0, 1, 3])
def test_without_pruning_the_backbone_runs_its_own_forward(block_stage):
    backbone, blocker = build(block_stage, prune_ratio=0.0)
    x = inputs()
    result = blocker(backbone, x)
    assert result.keep_index is None
    expected = backbone(x)
    for got, want in zip(result.feats, expected):
        assert torch.equal(got, want)
    assert result.stats['pfb_keep_ratio'].item() == 1.0


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
def test_kept_rows_go_on_as_the_backbone_on_the_kept_inputs(shallow_grad):
    backbone, blocker = build(shallow_grad=shallow_grad)
    backbone.eval()  # BN statistics of K rows and N rows then agree
    x = inputs()
    blocker(backbone, x)  # fills the 4 centroids
    assert blocker.estimator.is_ready
    before = int(blocker.estimator.counts.sum())
    result = blocker(backbone, x)
    keep = result.keep_index
    assert keep == sorted(keep) and len(keep) == 4
    expected = backbone(x[keep])
    for got, want in zip(result.feats, expected):
        torch.testing.assert_close(got, want)
    # the estimator learns from the kept rows only
    assert int(blocker.estimator.counts.sum()) == before + len(keep)


def test_gradients_reach_the_kept_path_only_through_kept_rows():
    backbone, blocker = build(shallow_grad='reuse')
    backbone.eval()  # training-mode BN would couple the rows
    x = inputs().requires_grad_()
    blocker(backbone, x.detach())
    result = blocker(backbone, x)
    sum(f.sum() for f in result.feats).backward()
    pruned = sorted(set(range(8)) - set(result.keep_index))
    assert x.grad[pruned].abs().sum() == 0
    assert x.grad[result.keep_index].abs().sum() > 0
    for name, param in backbone.named_parameters():
        assert param.grad is not None, name


@pytest.mark.parametrize('criterion', ['density', 'random'])
@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
def test_one_host_read_of_device_values_per_step(shallow_grad, criterion):
    backbone, blocker = build(shallow_grad=shallow_grad, criterion=criterion)
    x = inputs()
    with HostReadSpy() as spy:
        filling = blocker(backbone, x)  # fills the centroids
    assert filling.keep_index is None
    # only the finite flag: filling the centroids reads nothing
    assert spy.reads == ['tolist']

    with HostReadSpy() as spy:
        result = blocker(backbone, x)
    assert result.keep_index is not None and len(result.keep_index) == 4
    # u of K comes from a CPU generator, so its item() never waits on a
    # device; the finite flag and the kept rows travel in one copy
    assert spy.reads == ['item', 'tolist']


def kept_and_scores(blocker, backbone, x, num_keep, classes=None):
    """The rows ``choose_kept`` keeps, and the estimator's rank scores
    drawn with the same random state."""
    estimator = blocker.estimator
    pooled = pool_representation(
        blocker.splitter.forward_shallow(backbone, x).feature,
        estimator.feat_dim)
    local = blocker.random_streams.local
    state = local.get_state()
    scores = estimator.rank_scores(pooled, local)
    local.set_state(state)
    return blocker.choose_kept(pooled, num_keep, classes).keep.tolist(), scores


@pytest.mark.parametrize('criterion, densest', [('density', False),
                                                ('typical', True)])
def test_criterion_keeps_the_rows_of_the_smallest_or_largest_scores(
        criterion, densest):
    backbone, blocker = build(criterion=criterion)
    x = inputs()
    blocker(backbone, x)  # fills the centroids
    got, scores = kept_and_scores(blocker, backbone, x, 3)
    want = scores.argsort(descending=densest, stable=True)[:3]
    assert got == sorted(want.tolist())


@pytest.mark.parametrize('criterion', ['density', 'random', 'typical'])
def test_class_quota_keeps_each_class_share(criterion):
    backbone, blocker = build(class_quota=True, criterion=criterion)
    x = inputs()
    blocker(backbone, x)  # fills the centroids
    with pytest.raises(ValueError, match='class_quota=True needs'):
        blocker(backbone, x)
    classes = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1])
    for _ in range(5):
        keep = blocker(backbone, x, classes=classes).keep_index
        # K = 4 of 8: six of class 0 keep 3, two of class 1 keep 1
        assert len(keep) == 4 and sum(i >= 6 for i in keep) == 1
    if criterion != 'random':
        # within a class, the rows of the smallest scores (largest for
        # 'typical')
        got, scores = kept_and_scores(blocker, backbone, x, 4, classes)
        if criterion == 'typical':
            scores = -scores
        want = sorted(scores[:6].argsort()[:3].tolist() +
                      [6 + int(scores[6:].argmin())])
        assert got == want


def test_the_step_options_are_the_blockers_arguments():
    arguments = set(inspect.signature(PartialForwardBlocking).parameters)
    assert set(STEP_OPTIONS) == arguments - {'splitter', 'channels', 'density'}


@pytest.mark.parametrize('cfg, message', [
    (dict(prune_ratio=0.3), 'block_stage'),
    (dict(block_stage=1, colour='red'), "unknown pfb option(s) ['colour']"),
    (dict(block_stage=1, num_centroids=1), 'num_centroids'),
])
def test_config_errors_name_the_option(cfg, message):
    with pytest.raises(ValueError) as err:
        PartialForwardBlocking.from_config(ToyBackbone(), cfg)
    assert message in str(err.value)


@pytest.mark.parametrize('kwargs', [
    dict(criterion='loss'),
    dict(shallow_grad='both'),
    dict(prune_ratio=1.0),
    dict(min_keep=0),
    dict(auto_trials=0),
    dict(auto_tolerance=1.5),
    dict(class_quota='yes'),
    dict(sampling_strength=-1.0),
    dict(loss_memory_weight=-1.0),
    dict(loss_memory_weight=math.inf),
    dict(loss_memory_weight='high'),
])
def test_bad_arguments_name_argument_and_value(kwargs):
    (name, value), = kwargs.items()
    with pytest.raises(ValueError) as err:
        build(**kwargs)
    assert name in str(err.value) and repr(value) in str(err.value)


def test_sampled_criterion_does_not_combine_with_class_quota():
    with pytest.raises(
            ValueError,
            match="class_quota=True does not "
            "combine with criterion='sampled'"):
        build(criterion='sampled', class_quota=True)


@pytest.mark.parametrize('strength', [0.0, 1.0])
def test_sampled_keeps_the_rarity_sample_and_returns_its_weights(strength):
    backbone, blocker = build(criterion='sampled', sampling_strength=strength)
    x = inputs()
    assert blocker(backbone, x).loss_weights is None  # fills the centroids
    estimator = blocker.estimator
    pooled = pool_representation(
        blocker.splitter.forward_shallow(backbone, x).feature,
        estimator.feat_dim)
    generator = torch.Generator()
    generator.set_state(blocker.random_streams.local.get_state())
    num_keep = int(0.5 * 8 + torch.rand((), generator=generator).item())
    keep, weights = rarity_sample(
        estimator.log_density(pooled), num_keep, strength, generator)
    result = blocker(backbone, x)
    assert result.keep_index == keep.tolist()
    assert torch.equal(result.loss_weights, weights)
    assert (weights == 1).all() == (strength == 0)


@pytest.mark.parametrize('block_stage', [-1, 4, 1.0])
def test_block_stage_outside_the_backbone_is_named(block_stage):
    with pytest.raises(ValueError) as err:
        ToySplitter(ToyBackbone(), block_stage)
    assert '[0, 3]' in str(err.value)
    assert repr(block_stage) in str(err.value)


def test_feat_dim_is_capped_to_the_scored_channels():
    backbone, blocker = build(block_stage=1, num_centroids=5)
    assert blocker.estimator.settings == DensitySettings(
        num_centroids=5, feat_dim=8, seed=0)


def test_core_runs_without_any_host_library():
    code = textwrap.dedent('''
        import sys
        for name in ('mmseg', 'mmpretrain', 'mmcv'):
            sys.modules[name] = None  # as if they were not installed
        import torch
        from mmpfb.models.blocking import PartialForwardBlocking
        from mmpfb.models.density import DensitySettings, pool_representation
        from mmpfb.experiments.testing import ToyBackbone, ToySplitter
        backbone = ToyBackbone()
        blocker = PartialForwardBlocking(
            ToySplitter(backbone, 1), 8, prune_ratio=0.5,
            density=DensitySettings(num_centroids=2, seed=0))
        x = torch.randn(4, 3, 8, 8)
        blocker(backbone, x)
        print(len(blocker(backbone, x).keep_index))
    ''')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '2'


def batch(seed, num=8):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(num, 3, 16, 16, generator=generator)


@pytest.mark.parametrize('kwargs, message', [
    (dict(loss_memory_size=10),
     'loss_memory_size=10 sizes the loss memory, which is off'),
    (dict(loss_memory_weight=1.0, loss_memory_size=0),
     'loss_memory_size must be None or an int >= 1, but got 0'),
] + [(dict(loss_memory_weight=1.0, criterion=criterion),
      "loss_memory_weight=1.0 combines with criterion='density' only, "
      f'but got criterion={criterion!r}')
     for criterion in ('random', 'typical', 'sampled')])
def test_loss_memory_options_that_do_not_fit_are_named(kwargs, message):
    with pytest.raises(ValueError) as err:
        build(**kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
def test_loss_memory_off_is_the_default_path_bit_for_bit(shallow_grad):
    runs = []
    for kwargs in (dict(), dict(loss_memory_weight=0.0)):
        backbone, blocker = build(shallow_grad=shallow_grad, **kwargs)
        assert blocker.loss_memory is None
        results = [blocker(backbone, batch(seed)) for seed in range(4)]
        runs.append((blocker.state_dict(), results))
    (state, results), (state_off, results_off) = runs
    assert list(state) == list(state_off)
    for key, value in state.items():
        assert torch.equal(state_off[key], value), key
    assert results[-1].keep_index is not None
    for result, result_off in zip(results, results_off):
        assert result_off.keep_index == result.keep_index
        for feat, feat_off in zip(result.feats, result_off.feats):
            assert torch.equal(feat_off, feat)


def build_with_noise(log_noise, **kwargs):
    torch.manual_seed(0)
    backbone = ToyBackbone()
    blocker = PartialForwardBlocking(
        ToySplitter(backbone, 2),
        backbone.channels[2],
        prune_ratio=0.5,
        density=DensitySettings(num_centroids=4, log_noise=log_noise, seed=0),
        **kwargs)
    return backbone, blocker


@pytest.mark.parametrize('class_quota', [False, True])
@pytest.mark.parametrize('log_noise', [0.0, 0.5])
def test_without_remembered_losses_the_density_rows_are_kept(
        log_noise, class_quota):
    classes = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1])
    kept = []
    for kwargs in (dict(), dict(loss_memory_weight=2.0, loss_memory_size=20)):
        backbone, blocker = build_with_noise(
            log_noise, class_quota=class_quota, **kwargs)
        indices = list(range(12, 20)) if kwargs else None
        kept.append([
            blocker(backbone, batch(seed), classes=classes,
                    indices=indices).keep_index for seed in range(5)
        ])
    assert kept[0][-1] is not None
    assert kept[1] == kept[0]


def test_rare_or_hard_keeps_the_rows_of_the_reference_importance():
    backbone, blocker = build(loss_memory_weight=1.5, loss_memory_size=20)
    indices = [19, 3, 7, 11, 0, 5, 14, 8]
    blocker(backbone, batch(0), indices=indices)  # fills the centroids
    memory = blocker.loss_memory
    # rows 0, 2, 3, 5, 7 have a loss; 1, 4, 6 have none
    memory.update([19, 7, 11, 5, 8], torch.tensor([0.2, 3.0, 0.9, 1.4, 0.05]))
    differs = 0
    for seed in (1, 2, 3):
        x = batch(seed)
        estimator = blocker.estimator
        pooled = pool_representation(
            blocker.splitter.forward_shallow(backbone, x).feature,
            estimator.feat_dim)
        generator = torch.Generator()
        generator.set_state(blocker.random_streams.local.get_state())
        num_keep = math.floor(0.5 * 8 +
                              torch.rand((), generator=generator).item())
        alpha = torch.rand(8, generator=generator) * estimator.random_bound
        log_f = reference_log_density(pooled, estimator.centroids,
                                      estimator.counts)
        g = np.exp(log_f - log_f.max()) + alpha.double().numpy()
        importance = reference_rare_or_hard(
            g,
            memory.lookup(indices).double().numpy(), 1.5)
        want = sorted(np.argsort(-importance, kind='stable')[:num_keep])
        assert blocker(backbone, x, indices=indices).keep_index == want
        differs += want != sorted(np.argsort(g, kind='stable')[:num_keep])
    assert differs > 0  # the losses changed what PFB alone keeps
    # an index list that does not fit the batch is named
    with pytest.raises(
            ValueError,
            match='needs the data set index of each '
            'of the 8 samples, but got None'):
        blocker(backbone, x)


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
def test_the_loss_memory_adds_no_host_read_to_the_step(shallow_grad):
    backbone, blocker = build(
        shallow_grad=shallow_grad, loss_memory_weight=1.0, loss_memory_size=8)
    blocker(backbone, batch(0), indices=list(range(8)))
    blocker.loss_memory.update([1, 2, 6], torch.tensor([1.0, 2.0, 0.5]))
    with HostReadSpy() as spy:
        result = blocker(backbone, batch(1), indices=list(range(8)))
    assert result.keep_index is not None
    assert spy.reads == ['item', 'tolist']


def replayed(generator):
    """A generator in ``generator``'s state, for a reference draw."""
    copy = torch.Generator()
    copy.set_state(generator.get_state())
    return copy


def pooled_batch(blocker, backbone, x):
    return pool_representation(
        blocker.splitter.forward_shallow(backbone, x).feature,
        blocker.estimator.feat_dim)


@pytest.mark.parametrize('class_quota', [False, True])
def test_random_keeps_a_uniform_draw_of_the_local_generator(class_quota):
    backbone, blocker = build(criterion='random', class_quota=class_quota)
    x = inputs()
    blocker(backbone, x)  # fills the centroids
    pooled = pooled_batch(blocker, backbone, x)
    classes = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1])
    generator = replayed(blocker.random_streams.local)
    if class_quota:
        # K = 4 of 8: three of class 0, one of class 1, each the rows of
        # the smallest uniform scores
        u = torch.rand(8, generator=generator)
        want = sorted(u[:6].argsort()[:3].tolist() + [6 + int(u[6:].argmin())])
    else:
        want = sorted(torch.randperm(8, generator=generator)[:4].tolist())
    assert blocker.choose_kept(pooled, 4, classes).keep.tolist() == want


def test_sampled_choose_kept_is_the_rarity_sample():
    backbone, blocker = build(criterion='sampled')
    x = inputs()
    blocker(backbone, x)  # fills the centroids
    pooled = pooled_batch(blocker, backbone, x)
    want, _ = rarity_sample(
        blocker.estimator.log_density(pooled), 3, 1.0,
        replayed(blocker.random_streams.local))
    assert blocker.choose_kept(pooled, 3).keep.tolist() == want.tolist()


def test_a_criterion_is_one_function_and_one_line():
    seen = []

    @register_criterion('last')
    def keep_last(batch):
        seen.append(batch)
        size = batch.x.size(0)
        return Selection(torch.arange(size - batch.num_keep, size))

    try:
        backbone, blocker = build(criterion='last', class_quota=True)
        x = inputs()
        blocker(backbone, x)  # fills the centroids
        classes = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
        result = blocker(backbone, x, classes=classes)
        num_keep = len(result.keep_index)
        assert 0 < num_keep < 8
        assert result.keep_index == list(range(8 - num_keep, 8))
        assert len(seen) == 1 and seen[0].x.size(0) == 8
        assert torch.equal(seen[0].classes, classes)
        assert seen[0].estimator is blocker.estimator
        with pytest.raises(KeyError, match="'last' is already registered"):
            register_criterion('last')(keep_last)
    finally:
        del SELECTION_CRITERIA['last']


def test_recompute_trains_the_kept_rows_only():
    backbone, blocker = build(shallow_grad='recompute')
    backbone.eval()  # training-mode BN would couple the rows
    x = inputs().requires_grad_()
    blocker(backbone, x.detach())  # fills the centroids
    result = blocker(backbone, x)
    sum(f.sum() for f in result.feats).backward()
    pruned = sorted(set(range(8)) - set(result.keep_index))
    assert len(pruned) == 4
    assert x.grad[pruned].abs().sum() == 0
    assert (x.grad[result.keep_index].flatten(1).abs().sum(1) > 0).all()
    expected = backbone(x.detach()[result.keep_index])
    for got, want in zip(result.feats, expected):
        torch.testing.assert_close(got, want)


def test_the_target_ratio_stays_when_the_schedule_sets_the_current_one():
    backbone, blocker = build(prune_ratio=0.6)
    assert blocker.target_prune_ratio == blocker.prune_ratio == 0.6
    x = inputs()
    blocker(backbone, x)  # fills the centroids
    blocker.set_pruning(enabled=True, prune_ratio=0.15)  # as a warm-up does
    assert blocker.prune_ratio == 0.15
    assert blocker.target_prune_ratio == 0.6
    # K follows the ratio in force: floor(0.85 * 8 + u), 6 or 7 (the
    # target's would be 3 or 4)
    u = torch.rand((), generator=replayed(blocker.random_streams.local)).item()
    result = blocker(backbone, x)
    assert len(result.keep_index) == math.floor(0.85 * 8 + u)
    blocker.set_pruning(enabled=False)
    assert blocker.target_prune_ratio == 0.6
    with pytest.raises(AttributeError):
        blocker.target_prune_ratio = 0.1
