# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB step on a pure-torch backbone: needs only torch and MMEngine."""
import subprocess
import sys
import textwrap

import pytest
import torch
from torch.overrides import TorchFunctionMode

from mmpfb.models.blocking import PartialForwardBlocking
from mmpfb.models.blocking.weighted_sampling import rarity_sample
from mmpfb.models.density import DensitySettings, pool_representation
from mmpfb.testing import ToyBackbone, ToySplitter

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
    state = estimator.local_generator.get_state()
    scores = estimator.rank_scores(pooled)
    estimator.local_generator.set_state(state)
    return blocker.choose_kept(pooled, num_keep, classes).tolist(), scores


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
])
def test_bad_arguments_name_argument_and_value(kwargs):
    (name, value), = kwargs.items()
    with pytest.raises(ValueError) as err:
        build(**kwargs)
    assert name in str(err.value) and repr(value) in str(err.value)


def test_sampled_criterion_does_not_combine_with_class_quota():
    with pytest.raises(ValueError, match="class_quota=True does not "
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
    generator.set_state(estimator.local_generator.get_state())
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
        from mmpfb.testing import ToyBackbone, ToySplitter
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
