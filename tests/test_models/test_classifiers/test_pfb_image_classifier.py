# Copyright (c) mmpfb contributors. All rights reserved.
import copy
import math

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('mmpretrain')

from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

from mmpfb.experiments.testing.classification import (tiny_classifier_cfg,
                                                      tiny_cls_batch)
from mmpfb.models.classifiers import PFBImageClassifier
from ...reference_kde import reference_keep
from ...unsplittable_backbone import register_unsplittable

BATCH = 8


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


def build_pair(pfb, **cfg_kwargs):
    """The parent ImageClassifier and a PFB twin with the same weights."""
    torch.manual_seed(0)
    parent = MODELS.build(tiny_classifier_cfg(**cfg_kwargs))
    model = MODELS.build(tiny_classifier_cfg(pfb=pfb, **cfg_kwargs))
    missing, unexpected = model.load_state_dict(
        parent.state_dict(), strict=False)
    assert not unexpected
    assert all(key.startswith('blocker.') for key in missing)
    return parent.train(), model.train()


def run_loss(model, inputs, samples):
    torch.manual_seed(1)
    model.zero_grad()
    losses = model.loss(inputs, copy.deepcopy(samples))
    losses['loss'].backward()
    return losses


def spy_head(model):
    calls = []
    original = model.head.loss

    def loss(feats, data_samples, **kwargs):
        calls.append(
            dict(
                batch_sizes=[f.size(0) for f in feats],
                sample_idx=[s.metainfo['sample_idx'] for s in data_samples]))
        return original(feats, data_samples, **kwargs)

    model.head.loss = loss
    return calls


@pytest.mark.parametrize('backbone', ['resnet_cifar', 'resnet', 'swin'])
def test_ratio_zero_equals_parent(backbone):
    parent, model = build_pair(
        dict(prune_ratio=0.0, block_stage=1, num_centroids=4),
        backbone=backbone)
    inputs, samples = tiny_cls_batch(BATCH)
    for _ in range(2):
        ref = run_loss(parent, inputs, samples)
        got = run_loss(model, inputs, samples)
        assert torch.equal(ref['loss'], got['loss'])
        grads = dict(model.named_parameters())
        for name, param in parent.named_parameters():
            if param.grad is None:
                assert grads[name].grad is None, name
            else:
                assert torch.equal(grads[name].grad, param.grad), name


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
@pytest.mark.parametrize('backbone', ['resnet_cifar', 'swin'])
def test_head_gets_the_reference_kept_samples_and_all_get_gradients(
        backbone, shallow_grad):
    pfb = dict(
        prune_ratio=0.5,
        block_stage=1,
        num_centroids=4,
        feat_dim=4,
        shallow_grad=shallow_grad)
    parent, model = build_pair(pfb, backbone=backbone)
    inputs, samples = tiny_cls_batch(BATCH)
    run_loss(model, inputs, samples)  # fills the centroids
    inputs, samples = tiny_cls_batch(BATCH, seed=5)

    est = model.blocker.estimator
    gen = torch.Generator()
    gen.set_state(model.blocker.random_streams.local.get_state())
    num_keep = max(
        1, math.floor(0.5 * BATCH + torch.rand((), generator=gen).item()))
    alpha = torch.rand(BATCH, generator=gen) * est.random_bound
    with torch.no_grad():
        shadow = copy.deepcopy(model)
        feat = shadow.blocker.splitter.forward_shallow(shadow.backbone,
                                                       inputs).feature
    x = feat.mean(dim=(2, 3)) if feat.dim() == 4 else feat.mean(dim=1)
    x = x.reshape(BATCH, 4, -1).mean(-1)
    keep = reference_keep(x, est.centroids, est.counts, alpha, num_keep)

    calls = spy_head(model)
    losses = run_loss(model, inputs, samples)
    assert calls[0]['sample_idx'] == keep
    assert calls[0]['batch_sizes'] == [num_keep]
    assert losses['pfb_keep_num'].item() == num_keep

    run_loss(parent, inputs, samples)
    on_path = {n for n, p in parent.named_parameters() if p.grad is not None}
    for name, param in model.named_parameters():
        if name in on_path:
            assert param.grad is not None, name
            assert torch.isfinite(param.grad).all(), name


def test_sampled_weights_each_kept_samples_loss():
    pfb = dict(
        prune_ratio=0.5,
        block_stage=1,
        num_centroids=4,
        feat_dim=4,
        criterion='sampled')
    _, model = build_pair(pfb)
    run_loss(model, *tiny_cls_batch(BATCH))  # fills the centroids
    seen = {}
    original = model.head.loss

    def loss(feats, data_samples, **kwargs):
        labels = torch.cat([s.gt_label for s in data_samples])
        per_sample = F.cross_entropy(
            model.head(feats), labels, reduction='none')
        seen.update(
            weight=kwargs['weight'],
            reference=(per_sample * kwargs['weight']).mean())
        return original(feats, data_samples, **kwargs)

    model.head.loss = loss
    losses = run_loss(model, *tiny_cls_batch(BATCH, seed=5))
    assert seen['weight'].numel() == losses['pfb_keep_num'].item() < BATCH
    assert not torch.equal(seen['weight'], torch.ones_like(seen['weight']))
    assert torch.allclose(losses['loss'], seen['reference'])


def test_class_quota_keeps_each_class_share_of_the_batch():
    pfb = dict(
        prune_ratio=0.5, block_stage=1, num_centroids=4, class_quota=True)
    _, model = build_pair(pfb)
    inputs, samples = tiny_cls_batch(BATCH)
    labels = [3, 3, 3, 3, 3, 3, 1, 1]
    for sample, label in zip(samples, labels):
        sample.set_gt_label(label)
    run_loss(model, inputs, samples)  # fills the centroids
    calls = spy_head(model)
    for step in range(4):
        losses = run_loss(model, inputs, samples)
        kept = calls[step]['sample_idx']
        # K of 8 kept: class 3 has 3/4 of the batch, class 1 a quarter
        num_keep = int(losses['pfb_keep_num'])
        assert len(kept) == num_keep
        assert sum(labels[i] == 1 for i in kept) in (math.floor(num_keep / 4),
                                                     math.ceil(num_keep / 4))


def test_sample_classes_read_the_label_or_the_largest_score():
    from mmpretrain.structures import DataSample
    _, model = build_pair(dict(block_stage=1, num_centroids=4))
    samples = [
        DataSample().set_gt_label(4),
        DataSample().set_gt_score(torch.tensor([0.1, 0.7, 0.2])),
        DataSample().set_gt_label([2, 0]),
    ]
    classes = model.sample_classes(samples)
    assert classes.dtype == torch.long and classes.tolist() == [4, 1, 2]


def test_mixup_cutmix_and_label_smoothing_train_on_kept_samples():
    pfb = dict(prune_ratio=0.5, block_stage=2, num_centroids=4)
    _, model = build_pair(pfb, augments=True)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    for step in range(3):
        inputs, samples = tiny_cls_batch(BATCH, seed=step)
        data = dict(
            inputs=[(img * 60 + 120).clamp(0, 255) for img in inputs],
            data_samples=samples)
        calls = spy_head(model)
        log_vars = model.train_step(data, optim)
        assert math.isfinite(log_vars['loss'].item())
        received = calls[0]
        assert len(received['sample_idx']) == log_vars['pfb_keep_num']
    assert log_vars['pfb_keep_num'] < BATCH


def test_predict_is_the_parents():
    parent, model = build_pair(dict(prune_ratio=0.5, block_stage=1))
    parent.eval()
    model.eval()
    inputs, samples = tiny_cls_batch(4)
    with torch.no_grad():
        ref = parent.predict(inputs, copy.deepcopy(samples))
        got = model.predict(inputs, copy.deepcopy(samples))
    for a, b in zip(ref, got):
        assert torch.equal(a.pred_score, b.pred_score)


@pytest.mark.parametrize('grad', [False, True])
@pytest.mark.parametrize('backbone', ['resnet_cifar', 'swin'])
def test_eval_mode_loss_is_the_parents_without_pfb_side_effects(
        backbone, grad):
    pfb = dict(prune_ratio=0.5, block_stage=1, num_centroids=4)
    parent, model = build_pair(pfb, backbone=backbone)
    for step in range(2):  # fill, then a step that prunes
        losses = run_loss(model, *tiny_cls_batch(BATCH, seed=step))
    assert losses['pfb_keep_num'].item() < BATCH
    missing, _ = parent.load_state_dict(model.state_dict(), strict=False)
    assert not missing
    parent.eval()
    model.eval()
    before = copy.deepcopy(model.blocker.state_dict())
    inputs, samples = tiny_cls_batch(BATCH, seed=9)
    with torch.set_grad_enabled(grad):
        ref = parent.loss(inputs, copy.deepcopy(samples))
        got = model.loss(inputs, copy.deepcopy(samples))
    assert got.keys() == ref.keys()
    assert not any(key.startswith('pfb_') for key in got)
    for key, value in ref.items():
        assert torch.equal(got[key], value), key
    after = model.blocker.state_dict()
    for key, value in before.items():
        assert torch.equal(after[key], value), key


@pytest.mark.parametrize('pfb, name', [
    (dict(prune_ratio=1.0), 'prune_ratio'),
    (dict(block_stage=5), 'block_stage'),
    (dict(num_centroids=0), 'num_centroids'),
    (dict(shallow_grad='never'), 'shallow_grad'),
])
def test_bad_config_names_argument_and_value(pfb, name):
    cfg = tiny_classifier_cfg(pfb=dict(dict(block_stage=1), **pfb))
    with pytest.raises(ValueError) as err:
        MODELS.build(cfg)
    assert name in str(err.value) and repr(pfb[name]) in str(err.value)


def test_unsupported_backbone_fails_at_build():
    cfg = tiny_classifier_cfg(pfb=dict(block_stage=1))
    cfg['backbone'] = dict(type=register_unsplittable(MODELS), channels=8)
    cfg['head']['in_channels'] = 8
    with pytest.raises(TypeError, match='UnsplittableNet.*ResNet_CIFAR'):
        MODELS.build(cfg)


def test_registered_in_both_scopes():
    assert MODELS.get('PFBImageClassifier') is PFBImageClassifier
    assert MODELS.get('mmpfb.PFBImageClassifier') is PFBImageClassifier


MEMORY = dict(
    prune_ratio=0.5,
    block_stage=1,
    num_centroids=4,
    feat_dim=4,
    loss_memory_weight=1.0,
    loss_memory_size=32)


def shifted_batch(seed, shift):
    """``tiny_cls_batch`` with data set indices ``shift`` to ``shift + 7``."""
    inputs, samples = tiny_cls_batch(BATCH, seed=seed)
    for sample in samples:
        sample.set_metainfo(dict(sample_idx=sample.sample_idx + shift))
    return inputs, samples


def spy_cross_entropy(model):
    """Record the indices the head trains on and their cross-entropy,
    computed here from the head's logits."""
    calls = []
    original = model.head.loss

    def loss(feats, data_samples, **kwargs):
        labels = torch.cat([s.gt_label for s in data_samples])
        calls.append(
            dict(
                index=[s.sample_idx for s in data_samples],
                ce=F.cross_entropy(
                    model.head(feats), labels, reduction='none').detach()))
        return original(feats, data_samples, **kwargs)

    model.head.loss = loss
    return calls


def test_loss_memory_remembers_the_kept_samples_losses_only():
    _, model = build_pair(MEMORY)
    calls = spy_cross_entropy(model)
    expected = [math.nan] * 32
    pruned_with_a_loss = 0
    for step in range(4):
        # consecutive batches share half their samples
        losses = run_loss(model, *shifted_batch(step, 4 * step))
        call = calls[-1]
        batch = range(4 * step, 4 * step + BATCH)
        pruned_with_a_loss += sum(
            i not in call['index'] and not math.isnan(expected[i])
            for i in batch)
        for index, ce in zip(call['index'], call['ce'].tolist()):
            expected[index] = ce
        torch.testing.assert_close(losses['loss'], call['ce'].mean())
        torch.testing.assert_close(
            model.blocker.loss_memory.losses,
            torch.tensor(expected),
            equal_nan=True)
    assert pruned_with_a_loss > 0  # pruned samples kept their old loss
    assert model.pruning_summary()['memory_seen'] == pytest.approx(
        sum(not math.isnan(v) for v in expected) / 32)


@pytest.mark.parametrize('backbone', ['resnet_cifar', 'swin'])
def test_loss_memory_off_is_the_model_without_the_key_bit_for_bit(backbone):
    pfb = dict(prune_ratio=0.5, block_stage=1, num_centroids=4)
    _, model = build_pair(pfb, backbone=backbone)
    _, off = build_pair(dict(pfb, loss_memory_weight=0.0), backbone=backbone)
    assert list(off.state_dict()) == list(model.state_dict())
    for step in range(3):
        inputs, samples = tiny_cls_batch(BATCH, seed=step)
        ref = run_loss(model, inputs, samples)
        got = run_loss(off, inputs, samples)
        assert torch.equal(got['loss'], ref['loss'])
        assert off.last_keep_index == model.last_keep_index
        grads = dict(off.named_parameters())
        for name, param in model.named_parameters():
            if param.grad is not None:
                assert torch.equal(grads[name].grad, param.grad), name
    assert model.last_keep_index is not None


def test_unseen_samples_train_as_without_the_memory():
    _, model = build_pair(
        dict(MEMORY, loss_memory_weight=0.0, loss_memory_size=None))
    _, memory = build_pair(MEMORY)
    for step in range(3):
        # new samples each step: the memory has no loss for any of them
        inputs, samples = shifted_batch(step, BATCH * step)
        ref = run_loss(model, inputs, samples)
        got = run_loss(memory, inputs, samples)
        assert memory.last_keep_index == model.last_keep_index
        torch.testing.assert_close(got['loss'], ref['loss'])
        grads = dict(memory.named_parameters())
        for name, param in model.named_parameters():
            if param.grad is not None:
                torch.testing.assert_close(grads[name].grad, param.grad)
    assert model.last_keep_index is not None


def test_missing_sample_idx_names_the_key_and_the_pipeline():
    from mmpretrain.structures import DataSample
    _, model = build_pair(MEMORY)
    inputs, samples = tiny_cls_batch(BATCH)
    samples[2:4] = [
        DataSample().set_gt_label(int(s.gt_label)) for s in samples[2:4]
    ]
    with pytest.raises(KeyError) as err:
        run_loss(model, inputs, samples)
    message = err.value.args[0]
    assert 'pfb.loss_memory_weight=1.0' in message
    assert "metainfo 'sample_idx', but data samples [2, 3]" in message
    assert "PackInputs packs it by default: keep 'sample_idx'" in message


def test_loss_memory_refuses_a_head_without_a_loss_module():
    cfg = tiny_classifier_cfg(pfb=MEMORY)
    cfg['head'] = dict(
        type='MultiTaskHead',
        task_heads=dict(
            shape=dict(type='LinearClsHead', num_classes=5, in_channels=64)))
    with pytest.raises(
            TypeError,
            match="PFBImageClassifier needs each "
            "sample's loss from the loss_module of a ClsHead, "
            'but head=MultiTaskHead has none'):
        MODELS.build(cfg)
