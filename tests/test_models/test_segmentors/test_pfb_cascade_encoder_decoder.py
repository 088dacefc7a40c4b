# Copyright (c) mmpfb contributors. All rights reserved.
import copy

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.registry import DefaultScope
from mmseg.registry import MODELS

from mmpfb.experiments.testing.segmentation import (CASCADE_MODELS,
                                                    tiny_cascade_segmentor_cfg,
                                                    tiny_seg_batch)
from mmpfb.models.segmentors import PFBCascadeEncoderDecoder, PFBEncoderDecoder
from .segmentor_checks import (assert_same_losses_and_grads, build_pair,
                               fill_estimator, fix_random_layers, heads,
                               run_loss, spy_head_losses)

BATCH = 8


@pytest.fixture(autouse=True)
def mmseg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def build_cascade_pair(pfb, model='ocrnet', num_aux_heads=0):
    return build_pair(
        tiny_cascade_segmentor_cfg(model, num_aux_heads=num_aux_heads),
        tiny_cascade_segmentor_cfg(
            model, pfb=pfb, num_aux_heads=num_aux_heads))


@pytest.mark.parametrize('num_aux_heads', [0, 2])
@pytest.mark.parametrize('model', CASCADE_MODELS)
def test_ratio_zero_equals_parent(model, num_aux_heads):
    pfb = dict(prune_ratio=0.0, block_stage=2, num_centroids=4)
    parent, pfb_model = build_cascade_pair(pfb, model, num_aux_heads)
    assert type(parent).__name__ == 'CascadeEncoderDecoder'
    inputs, samples = tiny_seg_batch(BATCH)
    for _ in range(2):  # while filling and once filled
        assert_same_losses_and_grads(parent, pfb_model, inputs, samples)
    assert pfb_model.blocker.estimator.is_ready


@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
@pytest.mark.parametrize('model', CASCADE_MODELS)
def test_every_head_receives_only_the_kept_rows(model, shallow_grad):
    pfb = dict(
        prune_ratio=0.5,
        block_stage=3,
        num_centroids=4,
        shallow_grad=shallow_grad)
    _, pfb_model = build_cascade_pair(pfb, model, num_aux_heads=1)
    fix_random_layers(pfb_model)
    fill_estimator(pfb_model, *tiny_seg_batch(BATCH))
    inputs, samples = tiny_seg_batch(BATCH, seed=7)
    chosen = []
    choose_kept = pfb_model.blocker.choose_kept

    def spy_choose_kept(*args):
        chosen.append(choose_kept(*args))
        return chosen[-1]

    pfb_model.blocker.choose_kept = spy_choose_kept
    calls = spy_head_losses(pfb_model)
    losses = run_loss(pfb_model, inputs, samples)
    keep = chosen[0].keep
    assert 1 <= len(keep) < BATCH
    assert losses['pfb_keep_num'].item() == len(keep)
    # every head once: both cascade stages and the auxiliary head
    assert [call['head'] for call in calls] == heads(pfb_model)
    # the references: the full batch through the same weights
    with torch.no_grad():
        feats = pfb_model.extract_feat(inputs)
        stage0 = pfb_model.decode_head[0].forward(feats)
    for call in calls:
        assert call['sample_idx'] == keep.tolist()
        assert len(call['inputs']) == len(feats)
        for got, ref in zip(call['inputs'], feats):
            torch.testing.assert_close(got, ref[keep])
    # the second stage reads the first stage's output on the kept rows
    assert [len(call['prev']) for call in calls] == [0, 1, 0]
    torch.testing.assert_close(calls[1]['prev'][0], stage0[keep])


@pytest.mark.parametrize('model', CASCADE_MODELS)
def test_every_trainable_parameter_on_the_kept_path_gets_a_gradient(model):
    pfb = dict(prune_ratio=0.7, block_stage=1, num_centroids=4)
    parent, pfb_model = build_cascade_pair(pfb, model, num_aux_heads=1)
    inputs, samples = tiny_seg_batch(BATCH)
    fill_estimator(pfb_model, inputs, samples)
    losses = run_loss(pfb_model, inputs, samples)
    assert losses['pfb_keep_num'].item() < BATCH
    run_loss(parent, inputs, samples)
    on_path = {n for n, p in parent.named_parameters() if p.grad is not None}
    assert len(on_path) > 0.9 * len(list(parent.parameters()))
    for name, param in pfb_model.named_parameters():
        if name in on_path:
            assert param.grad is not None, name
            assert torch.isfinite(param.grad).all(), name
        else:
            assert param.grad is None, name
    for key, value in losses.items():
        assert torch.isfinite(value).all(), key


@pytest.mark.parametrize('model', CASCADE_MODELS)
def test_predict_is_the_parents(model):
    parent, pfb_model = build_cascade_pair(
        dict(prune_ratio=0.5, block_stage=3), model)
    parent.eval()
    pfb_model.eval()
    inputs, samples = tiny_seg_batch(2)
    with torch.no_grad():
        ref = parent.predict(inputs, copy.deepcopy(samples))
        got = pfb_model.predict(inputs, copy.deepcopy(samples))
    for a, b in zip(ref, got):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)


@pytest.mark.parametrize('drop', [None, 'num_stages'])
def test_pfb_encoder_decoder_refers_cascade_configs_to_the_cascade_class(drop):
    cfg = tiny_cascade_segmentor_cfg(pfb=dict(block_stage=3))
    cfg['type'] = 'mmpfb.PFBEncoderDecoder'
    if drop is not None:
        del cfg[drop]  # a list of decode heads alone is a cascade too
    with pytest.raises(TypeError, match='mmpfb.PFBCascadeEncoderDecoder'):
        MODELS.build(cfg)


def test_missing_num_stages_is_the_parents_error():
    cfg = tiny_cascade_segmentor_cfg(pfb=dict(block_stage=3))
    del cfg['num_stages']
    with pytest.raises(TypeError, match='num_stages'):
        MODELS.build(cfg)


def test_is_a_pfb_encoder_decoder_and_registered_in_both_scopes():
    from mmpfb.registry import MODELS as PFB_MODELS
    assert issubclass(PFBCascadeEncoderDecoder, PFBEncoderDecoder)
    assert MODELS.get('PFBCascadeEncoderDecoder') is PFBCascadeEncoderDecoder
    assert MODELS.get(
        'mmpfb.PFBCascadeEncoderDecoder') is PFBCascadeEncoderDecoder
    assert PFB_MODELS.get(
        'PFBCascadeEncoderDecoder') is PFBCascadeEncoderDecoder


@pytest.mark.parametrize('model', CASCADE_MODELS)
def test_loss_memory_reads_every_cascade_stage(model):
    pfb = dict(
        prune_ratio=0.5,
        block_stage=3,
        num_centroids=4,
        loss_memory_weight=1.0,
        loss_memory_size=2 * BATCH)
    _, pfb_model = build_cascade_pair(pfb, model, num_aux_heads=1)
    # both cascade stages and the auxiliary head
    assert len(pfb_model.per_sample_losses) == 3
    fill_estimator(pfb_model, *tiny_seg_batch(BATCH))
    inputs, samples = tiny_seg_batch(BATCH, seed=7)
    for sample in samples:
        sample.set_metainfo(dict(sample_idx=sample.sample_idx + BATCH))
    losses = run_loss(pfb_model, inputs, samples)
    kept = [BATCH + i for i in pfb_model.last_keep_index]
    assert len(kept) == losses['pfb_keep_num'] < BATCH
    memory = pfb_model.blocker.loss_memory.losses[BATCH:]
    assert torch.isfinite(memory).tolist() == [
        BATCH + i in kept for i in range(BATCH)
    ]
    assert (memory[torch.isfinite(memory)] > 0).all()
