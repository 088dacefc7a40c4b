# Copyright (c) mmpfb contributors. All rights reserved.
import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

pytest.importorskip('mmseg')

from mmengine.registry import DefaultScope
from mmseg.registry import MODELS

from mmpfb.experiments.testing.segmentation import (tiny_seg_batch,
                                                    tiny_segmentor_cfg)
from mmpfb.models.segmentors import PFBEncoderDecoder
from ...reference_kde import reference_keep
from ...unsplittable_backbone import register_unsplittable
from .segmentor_checks import assert_same_losses_and_grads
from .segmentor_checks import build_pair as build_segmentor_pair
from .segmentor_checks import fill_estimator, run_loss

BATCH = 8


@pytest.fixture(autouse=True)
def mmseg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def build_pair(pfb, **cfg_kwargs):
    """The parent EncoderDecoder and a PFB twin with the same weights."""
    return build_segmentor_pair(
        tiny_segmentor_cfg(**cfg_kwargs),
        tiny_segmentor_cfg(pfb=pfb, **cfg_kwargs))


MODEL_VARIANTS = [
    dict(backbone='resnet'),
    dict(backbone='resnet', decode_head='sep_aspp'),
    dict(backbone='resnet', with_neck=True, num_aux_heads=2),
    dict(backbone='mit', decode_head='fcn', num_aux_heads=0),
    dict(backbone='swin', decode_head='fcn'),
    dict(backbone='unet', decode_head='fcn'),
]


@pytest.mark.parametrize('cfg_kwargs', MODEL_VARIANTS)
def test_ratio_zero_equals_parent(cfg_kwargs):
    pfb = dict(prune_ratio=0.0, block_stage=2, num_centroids=4)
    parent, model = build_pair(pfb, **cfg_kwargs)
    inputs, samples = tiny_seg_batch(BATCH)
    for _ in range(2):  # while filling and once filled
        assert_same_losses_and_grads(parent, model, inputs, samples)
    assert model.blocker.estimator.is_ready


@pytest.mark.parametrize('cfg_kwargs', MODEL_VARIANTS[:3])
def test_disabled_equals_parent_and_estimator_still_learns(cfg_kwargs):
    pfb = dict(prune_ratio=0.5, block_stage=3, num_centroids=4)
    parent, model = build_pair(pfb, **cfg_kwargs)
    inputs, samples = tiny_seg_batch(BATCH)
    model.set_pruning(enabled=False)
    assert_same_losses_and_grads(parent, model, inputs, samples)
    counts = model.blocker.estimator.counts.sum().item()
    assert counts == BATCH  # 4 slots filled, 4 more assigned
    losses = run_loss(model, inputs, samples)
    assert losses['pfb_keep_num'].item() == BATCH
    assert model.blocker.estimator.counts.sum().item() == 2 * BATCH


def spy_heads(model):
    """Record what each head's ``loss`` receives."""
    calls = []
    heads = [model.decode_head] + list(
        model.
        auxiliary_head if isinstance(model.auxiliary_head, torch.nn.ModuleList
                                     ) else [model.auxiliary_head])
    for head in heads:
        original = head.loss

        def loss(inputs,
                 batch_data_samples,
                 train_cfg,
                 _orig=original,
                 _head=head):
            calls.append(
                dict(
                    head=_head,
                    batch_sizes=[t.size(0) for t in inputs],
                    inputs=[t.detach().clone() for t in inputs],
                    sample_idx=[
                        s.metainfo['sample_idx'] for s in batch_data_samples
                    ]))
            return _orig(inputs, batch_data_samples, train_cfg)

        head.loss = loss
    return calls


def reference_selection(model, inputs, prune_ratio, feat_dim, min_keep):
    """K and the kept rows from a float64 reference, before the step."""
    est = model.blocker.estimator
    gen = torch.Generator()
    gen.set_state(model.blocker.random_streams.local.get_state())
    u = torch.rand((), generator=gen).item()
    num_keep = min(BATCH,
                   max(min_keep, math.floor((1 - prune_ratio) * BATCH + u)))
    alpha = torch.rand(BATCH, generator=gen) * est.random_bound
    shadow = copy.deepcopy(model.backbone)
    with torch.no_grad():
        stage3 = shadow(inputs)[2]  # out_indices 0..3: stage 3 output
    channels = stage3.size(1)
    x = stage3.mean(dim=(2, 3)).reshape(BATCH, feat_dim,
                                        channels // feat_dim).mean(-1)
    return num_keep, reference_keep(x, est.centroids, est.counts, alpha,
                                    num_keep)


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
@pytest.mark.parametrize('cfg_kwargs', [
    dict(num_aux_heads=2),
    dict(decode_head='sep_aspp'),
    dict(with_neck=True),
])
def test_heads_receive_exactly_the_reference_kept_samples(
        shallow_grad, cfg_kwargs):
    pfb = dict(
        prune_ratio=0.5,
        block_stage=3,
        num_centroids=4,
        feat_dim=8,
        random_bound=0.01,
        shallow_grad=shallow_grad)
    _, model = build_pair(pfb, **cfg_kwargs)
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    for step in range(3):
        inputs, samples = tiny_seg_batch(BATCH, seed=10 + step)
        num_keep, keep = reference_selection(
            model, inputs, 0.5, feat_dim=8, min_keep=2)
        calls = spy_heads(model)
        losses = run_loss(model, inputs, samples)
        assert losses['pfb_keep_num'].item() == num_keep
        assert losses['pfb_keep_ratio'].item() == num_keep / BATCH
        assert len(calls) == 1 + len(model.auxiliary_head) if isinstance(
            model.auxiliary_head, torch.nn.ModuleList) else 2
        for call in calls:
            assert call['sample_idx'] == keep
            assert set(call['batch_sizes']) == {num_keep}


def test_head_inputs_are_the_kept_rows_of_the_full_forward():
    pfb = dict(
        prune_ratio=0.5, block_stage=2, num_centroids=4, shallow_grad='reuse')
    _, model = build_pair(pfb)
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.eval()
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    calls = spy_heads(model)
    run_loss(model, inputs, samples)
    with torch.no_grad():
        full = model.backbone(inputs)
    keep = torch.tensor(calls[0]['sample_idx'])
    for call in calls:
        for got, ref in zip(call['inputs'], full):
            torch.testing.assert_close(got, ref[keep])


def bn_eval(model):
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.eval()
    return model


def test_reuse_and_recompute_agree_with_batchnorm_in_eval():
    results = {}
    for mode in ('reuse', 'recompute'):
        pfb = dict(
            prune_ratio=0.5,
            block_stage=2,
            num_centroids=4,
            shallow_grad=mode,
            seed=5)
        _, model = build_pair(pfb)
        bn_eval(model)
        inputs, samples = tiny_seg_batch(BATCH)
        fill_estimator(model, inputs, samples)
        calls = spy_heads(model)
        inputs, samples = tiny_seg_batch(BATCH, seed=3)
        losses = run_loss(model, inputs, samples)
        results[mode] = (calls[0]['sample_idx'], losses, {
            n: p.grad.clone()
            for n, p in model.named_parameters() if p.grad is not None
        })
    (keep_a, loss_a, grad_a), (keep_b, loss_b, grad_b) = results.values()
    assert keep_a == keep_b and len(keep_a) < BATCH
    torch.testing.assert_close(loss_a['decode.loss_ce'],
                               loss_b['decode.loss_ce'])
    assert grad_a.keys() == grad_b.keys()
    for name in grad_a:
        torch.testing.assert_close(
            grad_a[name], grad_b[name], rtol=1e-4, atol=1e-6, msg=name)


def test_recompute_updates_shallow_norm_statistics_once():
    pfb = dict(
        prune_ratio=0.5,
        block_stage=2,
        num_centroids=4,
        shallow_grad='recompute')
    _, model = build_pair(pfb)
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    bn = model.backbone.layer1[0].bn1
    shadow = copy.deepcopy(bn)
    calls = spy_heads(model)
    inputs, samples = tiny_seg_batch(BATCH, seed=4)
    shadow_backbone = copy.deepcopy(model.backbone)
    run_loss(model, inputs, samples)
    keep = torch.tensor(calls[0]['sample_idx'])
    assert len(keep) < BATCH
    # one update, from the kept samples only
    with torch.no_grad():
        stem = torch.nn.Sequential(shadow_backbone.stem,
                                   shadow_backbone.maxpool)
        shadow(shadow_backbone.layer1[0].conv1(stem(inputs[keep])))
    assert bn.num_batches_tracked.item() == shadow.num_batches_tracked.item()
    torch.testing.assert_close(bn.running_mean, shadow.running_mean)
    torch.testing.assert_close(bn.running_var, shadow.running_var)


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
@pytest.mark.parametrize('backbone', ['resnet', 'mit', 'swin', 'unet'])
def test_every_trainable_parameter_on_the_kept_path_gets_a_gradient(
        shallow_grad, backbone):
    pfb = dict(
        prune_ratio=0.7,
        block_stage=1,
        num_centroids=4,
        shallow_grad=shallow_grad)
    parent, model = build_pair(pfb, backbone=backbone, decode_head='fcn')
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    losses = run_loss(model, inputs, samples)
    assert losses['pfb_keep_num'].item() < BATCH
    # the kept path is what the parent's full forward trains
    run_loss(parent, inputs, samples)
    on_path = {n for n, p in parent.named_parameters() if p.grad is not None}
    assert len(on_path) > 0.9 * len(list(parent.parameters()))
    for name, param in model.named_parameters():
        if name in on_path:
            assert param.grad is not None, name
            assert torch.isfinite(param.grad).all(), name
            assert param.grad.abs().sum() > 0, name
        else:
            assert param.grad is None, name
    for key, value in losses.items():
        assert torch.isfinite(value).all(), key


def test_min_keep_follows_single_sample_unsafe_norms():
    pfb = dict(prune_ratio=0.9, block_stage=3, num_centroids=4)
    _, model = build_pair(pfb)
    inputs, samples = tiny_seg_batch(2)
    fill_estimator(model, *tiny_seg_batch(4))
    # ASPP image pooling has a plain BatchNorm in training mode: keep 2
    assert {
        run_loss(model, inputs, samples)['pfb_keep_num'].item()
        for _ in range(5)
    } == {2.0}
    bn_eval(model)
    assert {
        run_loss(model, inputs, samples)['pfb_keep_num'].item()
        for _ in range(5)
    } == {1.0}
    model.train()
    model.blocker.min_keep = 1
    model.decode_head.image_pool[1].bn.eval()
    model.decode_head.image_pool[1].bn.train()
    assert model.blocker.draw_keep_count(2, ()) == 1


def test_non_finite_features_skip_pruning_and_keep_estimator():
    pfb = dict(prune_ratio=0.5, block_stage=2, num_centroids=4)
    _, model = build_pair(pfb)
    bn_eval(model)
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    before = copy.deepcopy(model.blocker.estimator.state_dict())
    inputs[1, :, 4:8, 4:8] = float('nan')
    with torch.no_grad():
        losses = model.loss(inputs, copy.deepcopy(samples))
    assert losses['pfb_keep_num'].item() == BATCH
    after = model.blocker.estimator.state_dict()
    for key in ('centroids', 'counts', 'num_filled', 'num_updates'):
        assert torch.equal(after[key], before[key]), key


def test_state_dict_round_trip_reproduces_the_next_selection():
    pfb = dict(
        prune_ratio=0.5, block_stage=3, num_centroids=4, random_bound=0.5)
    _, model = build_pair(pfb)
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    run_loss(model, *tiny_seg_batch(BATCH, seed=2))
    state = copy.deepcopy(model.state_dict())
    kept = []
    for m in (model, copy.deepcopy(model)):
        m.load_state_dict(state)
        calls = spy_heads(m)
        run_loss(m, *tiny_seg_batch(BATCH, seed=3))
        kept.append(calls[0]['sample_idx'])
    _, fresh = build_pair(dict(pfb, seed=1234))
    fresh.load_state_dict(state)
    calls = spy_heads(fresh)
    run_loss(fresh, *tiny_seg_batch(BATCH, seed=3))
    assert kept[0] == kept[1] == calls[0]['sample_idx']
    assert len(kept[0]) < BATCH


def test_predict_is_the_parents():
    parent, model = build_pair(dict(prune_ratio=0.5, block_stage=3))
    parent.eval()
    model.eval()
    inputs, samples = tiny_seg_batch(2)
    with torch.no_grad():
        ref = parent.predict(inputs, copy.deepcopy(samples))
        got = model.predict(inputs, copy.deepcopy(samples))
    for a, b in zip(ref, got):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)


def test_stats_are_logged_but_not_summed_as_losses():
    _, model = build_pair(dict(prune_ratio=0.5, block_stage=3))
    inputs, samples = tiny_seg_batch(BATCH)
    losses = model.loss(inputs, copy.deepcopy(samples))
    stats = {k for k in losses if k.startswith('pfb_')}
    assert stats == {'pfb_keep_num', 'pfb_keep_ratio'}
    # the timing is read when the logs are written (PFBHook)
    assert model.pruning_summary()['score_time'] > 0
    total, log_vars = model.parse_losses(losses)
    expected = sum(v for k, v in losses.items() if 'loss' in k)
    torch.testing.assert_close(total, expected)
    assert set(log_vars) >= stats


@pytest.mark.parametrize('pfb, name', [
    (dict(prune_ratio=1.0), 'prune_ratio'),
    (dict(prune_ratio=-0.1), 'prune_ratio'),
    (dict(block_stage=5), 'block_stage'),
    (dict(block_stage=-1), 'block_stage'),
    (dict(num_centroids=1), 'num_centroids'),
    (dict(feat_dim=0), 'feat_dim'),
    (dict(random_bound=-1.0), 'random_bound'),
    (dict(momentum=1.5), 'momentum'),
    (dict(min_keep=0), 'min_keep'),
    (dict(bandwidth='auto'), 'bandwidth'),
    (dict(shallow_grad='sometimes'), 'shallow_grad'),
    (dict(criterion='loss'), 'criterion'),
])
def test_bad_config_names_argument_and_value(pfb, name):
    cfg = tiny_segmentor_cfg(pfb=dict(dict(block_stage=3), **pfb))
    with pytest.raises(ValueError) as err:
        MODELS.build(cfg)
    value = pfb[name]
    assert name in str(err.value) and repr(value) in str(err.value)


def test_loss_weights_are_refused_at_build():
    cfg = tiny_segmentor_cfg(pfb=dict(block_stage=3, criterion='sampled'))
    with pytest.raises(
            ValueError,
            match="pfb.criterion='sampled' weights "
            "each kept sample's loss, which PFBEncoderDecoder "
            'does not support'):
        MODELS.build(cfg)


def test_unsupported_backbone_fails_at_build():
    cfg = tiny_segmentor_cfg(pfb=dict(block_stage=1))
    cfg['backbone'] = dict(type=register_unsplittable(MODELS))
    with pytest.raises(TypeError, match='UnsplittableNet.*mmseg.ResNet'):
        MODELS.build(cfg)


def test_missing_pfb_dict_is_an_error():
    cfg = tiny_segmentor_cfg(pfb=dict(block_stage=3))
    cfg['pfb'] = 0.3
    with pytest.raises(TypeError, match='pfb'):
        MODELS.build(cfg)


def test_registered_in_both_scopes():
    from mmpfb.registry import MODELS as PFB_MODELS
    assert MODELS.get('PFBEncoderDecoder') is PFBEncoderDecoder
    assert MODELS.get('mmpfb.PFBEncoderDecoder') is PFBEncoderDecoder
    assert PFB_MODELS.get('PFBEncoderDecoder') is PFBEncoderDecoder


def test_random_criterion_keeps_k_uniformly_with_the_same_blocking():
    pfb = dict(
        prune_ratio=0.5, block_stage=3, num_centroids=4, criterion='random')
    _, model = build_pair(pfb)
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    est = model.blocker.estimator
    gen = torch.Generator()
    gen.set_state(model.blocker.random_streams.local.get_state())
    u = torch.rand((), generator=gen).item()
    num_keep = max(2, math.floor(0.5 * BATCH + u))
    expected = sorted(torch.randperm(BATCH, generator=gen)[:num_keep].tolist())
    calls = spy_heads(model)
    losses = run_loss(model, inputs, samples)
    assert calls[0]['sample_idx'] == expected
    assert losses['pfb_keep_num'].item() == num_keep
    assert est.counts.sum().item() == BATCH + num_keep  # still learns


def test_sample_classes_are_each_image_s_commonest_labelled_class():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    _, model = build_pair(dict(block_stage=3, num_centroids=4))
    ignore = model.decode_head.ignore_index
    maps = [
        [[1, 1, 2], [2, 2, ignore]],  # 2 beats 1
        [[ignore, ignore, 0], [3, 3, 3]],  # ignored pixels do not count
        [[ignore, ignore, ignore], [ignore, ignore, ignore]],  # none: -1
    ]
    samples = []
    for label in maps:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.tensor([label]))
        samples.append(sample)
    classes = model.sample_classes(samples)
    assert classes.dtype == torch.long and classes.tolist() == [2, 3, -1]


def test_class_quota_trains_on_each_class_share():
    pfb = dict(
        prune_ratio=0.5, block_stage=3, num_centroids=4, class_quota=True)
    _, model = build_pair(pfb)
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(model, inputs, samples)
    classes = model.sample_classes(samples).tolist()
    calls = spy_heads(model)
    losses = run_loss(model, inputs, samples)
    kept = calls[0]['sample_idx']
    assert len(kept) == int(losses['pfb_keep_num'])
    share = int(losses['pfb_keep_num']) / BATCH
    for c in set(classes):
        in_class = classes.count(c)
        assert sum(classes[i] == c
                   for i in kept) in (math.floor(in_class * share),
                                      math.ceil(in_class * share))


MEMORY = dict(
    prune_ratio=0.5,
    block_stage=3,
    num_centroids=4,
    loss_memory_weight=1.0,
    loss_memory_size=BATCH)


def spy_image_losses(model):
    """Each image's loss computed here from every head's logits: the mean
    cross-entropy over its valid pixels times the head's loss weight,
    summed over the heads."""
    from mmseg.models.utils import resize
    calls = []
    for head, weight in ((model.decode_head, 1.0), (model.auxiliary_head,
                                                    0.4)):
        original = head.loss_by_feat

        def loss_by_feat(logits, samples, _orig=original, _weight=weight):
            labels = torch.cat([s.gt_sem_seg.data for s in samples])
            pixels = F.cross_entropy(
                resize(logits, labels.shape[1:], mode='bilinear'),
                labels,
                reduction='none',
                ignore_index=255)
            valid = (labels != 255).sum(dim=(1, 2))
            calls.append(
                dict(
                    index=[s.sample_idx for s in samples],
                    loss=_weight * pixels.sum(dim=(1, 2)).detach() / valid))
            return _orig(logits, samples)

        head.loss_by_feat = loss_by_feat
    return calls


def test_loss_memory_remembers_each_kept_image_s_loss():
    _, model = build_pair(MEMORY)
    inputs, samples = tiny_seg_batch(BATCH)
    for i, sample in enumerate(samples):
        sample.gt_sem_seg.data[:, :i + 1] = 255  # ignored rows
    fill_estimator(model, inputs, samples)
    calls = spy_image_losses(model)
    losses = run_loss(model, inputs, samples)
    decode, aux = calls
    kept = decode['index']
    assert len(kept) == losses['pfb_keep_num'] < BATCH
    memory = model.blocker.loss_memory.losses
    torch.testing.assert_close(memory[kept], decode['loss'] + aux['loss'])
    # the pruned images keep the loss of the filling step, all kept
    assert torch.isfinite(memory).all()


def test_missing_sample_idx_names_the_key_and_pack_seg_inputs():
    _, model = build_pair(MEMORY)
    inputs, samples = tiny_seg_batch(BATCH)
    for sample in samples:
        del sample.sample_idx
    with pytest.raises(KeyError) as err:
        run_loss(model, inputs, samples)
    message = err.value.args[0]
    assert "metainfo 'sample_idx', but data samples [0, 1" in message
    assert ("PackSegInputs does not pack it by default: add 'sample_idx' "
            'to its meta_keys') in message
