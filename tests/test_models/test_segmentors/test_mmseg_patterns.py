# Copyright (c) mmpfb contributors. All rights reserved.
"""MMSegmentation's own segmentor test patterns, applied to every PFB
segmentor with a batch large enough that pruning happens.

MMSegmentation checks each segmentor by running a batch through the data
preprocessor, ``forward(mode='loss')``, ``train_step``, ``val_step`` and
``forward(mode='tensor')``, in whole and slide inference, and through
``SegTTAModel``; its batch of one never prunes. Here each PFB segmentor
runs the same steps on a batch of 8 with half of it pruned in training,
and everything outside training (predictions, tensors, test-time
augmentation, eval-mode losses) must equal its host parent's on the same
weights, with the PFB state untouched.
"""
import copy

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.model import BaseTTAModel
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmseg.registry import MODELS

from mmpfb.experiments.testing.segmentation import (tiny_cascade_segmentor_cfg,
                                                    tiny_seg_batch,
                                                    tiny_segmentor_cfg)
from .segmentor_checks import build_pair, copy_weights

BATCH = 8
PFB = dict(prune_ratio=0.5, block_stage=2, num_centroids=4)

# every PFB segmentor class, with each supported backbone family
SEGMENTORS = dict(
    deeplabv3_resnet=lambda pfb: tiny_segmentor_cfg(pfb=pfb),
    fcn_mit=lambda pfb: tiny_segmentor_cfg(
        'mit', pfb=pfb, decode_head='fcn', num_aux_heads=0),
    fcn_swin=lambda pfb: tiny_segmentor_cfg(
        'swin', pfb=pfb, decode_head='fcn'),
    fcn_unet=lambda pfb: tiny_segmentor_cfg(
        'unet', pfb=pfb, decode_head='fcn'),
    ocrnet_resnet=lambda pfb: tiny_cascade_segmentor_cfg(
        'ocrnet', pfb=pfb, num_aux_heads=1),
    pointrend_resnet=lambda pfb: tiny_cascade_segmentor_cfg(
        'pointrend', pfb=pfb, num_aux_heads=1),
)


@pytest.fixture(autouse=True)
def mmseg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


@pytest.fixture(params=list(SEGMENTORS))
def pair(request):
    """The host parent and its PFB twin on the same weights; training
    batches are padded to the crop size, as in mmseg's configs."""
    cfgs = [SEGMENTORS[request.param](pfb) for pfb in (None, PFB)]
    for cfg in cfgs:
        cfg['data_preprocessor']['size'] = (32, 32)
    return build_pair(*cfgs)


def raw_batch(batch_size=BATCH, seed=0, size=32):
    """A data loader's batch: unnormalised images and data samples."""
    inputs, samples = tiny_seg_batch(batch_size, (size, size), seed=seed)
    images = (inputs * 40 + 128).clamp(0, 255)
    return dict(inputs=list(images), data_samples=samples)


def optim_wrapper(model):
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))


def train_until_pruning(model):
    """Training steps until the estimator is filled and a step prunes;
    returns that step's log variables."""
    wrapper = optim_wrapper(model)
    for step in range(5):
        log_vars = model.train_step(raw_batch(seed=step), wrapper)
        if log_vars['pfb_keep_num'].item() < BATCH:
            return log_vars
    raise AssertionError('no step pruned')


def assert_same_predictions(ref, got):
    assert len(ref) == len(got)
    for a, b in zip(ref, got):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)


def pfb_state(model):
    """Copies of every PFB buffer (centroids, counts, generators)."""
    return {
        k: v.clone()
        for k, v in model.state_dict().items() if k.startswith('blocker.')
    }


def assert_state_unchanged(model, before):
    after = pfb_state(model)
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert torch.equal(after[key], value), key


def test_loss_and_train_step_prune(pair):
    _, model = pair
    data = model.data_preprocessor(raw_batch(), True)
    model(**data, mode='loss')  # fills the centroids
    losses = model(**data, mode='loss')
    assert isinstance(losses, dict)
    assert losses['pfb_keep_num'].item() < BATCH
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log_vars = train_until_pruning(model)
    assert 'loss' in log_vars and torch.isfinite(log_vars['loss'])
    assert log_vars['pfb_keep_ratio'].item() < 1
    changed = [
        n for n, p in model.named_parameters()
        if not torch.equal(p.detach(), before[n])
    ]
    assert changed


def test_val_step_and_tensor_mode_are_the_parents(pair):
    parent, model = pair
    train_until_pruning(model)
    copy_weights(model, parent)
    parent.eval()
    model.eval()
    before = pfb_state(model)
    with torch.no_grad():
        assert_same_predictions(
            parent.val_step(raw_batch(2)), model.val_step(raw_batch(2)))
        assert_same_predictions(
            parent.test_step(raw_batch(2)), model.test_step(raw_batch(2)))
        data = model.data_preprocessor(raw_batch(2), False)
        try:
            ref = parent(**data, mode='tensor')
        except Exception as exc:  # PointRend has no tensor mode upstream
            with pytest.raises(type(exc)):
                model(**data, mode='tensor')
        else:
            assert torch.equal(model(**data, mode='tensor'), ref)
    assert_state_unchanged(model, before)


def test_slide_inference_is_the_parents(pair):
    parent, model = pair
    train_until_pruning(model)
    copy_weights(model, parent)
    for m in (parent, model):
        m.test_cfg.update(mode='slide', crop_size=(32, 32), stride=(16, 16))
        m.eval()
    with torch.no_grad():  # 2 x 2 overlapping windows
        assert_same_predictions(
            parent.test_step(raw_batch(2, size=48)),
            model.test_step(raw_batch(2, size=48)))


def tta_batch(num_views=4):
    """Views of two images at two sizes, flipped and not, as a TTA
    pipeline hands them to ``SegTTAModel.test_step``."""
    inputs, data_samples = [], []
    for view in range(num_views):
        size = 32 + 8 * (view // 2)
        flip = view % 2 == 1
        batch = raw_batch(2, seed=view)
        samples = batch['data_samples']
        for sample in samples:
            sample.set_metainfo(
                dict(
                    img_shape=(size, size),
                    pad_shape=(size, size),
                    ori_shape=(32, 32),
                    flip=flip,
                    flip_direction='horizontal',
                    img_path=f'{sample.sample_idx}.png'))
        images = [
            torch.nn.functional.interpolate(img[None], size=(size, size))[0]
            for img in batch['inputs']
        ]
        inputs.append(images)
        data_samples.append(samples)
    return dict(inputs=inputs, data_samples=data_samples)


def test_tta_model_is_the_parents(pair):
    parent, model = pair
    train_until_pruning(model)
    copy_weights(model, parent)
    results = []
    for module in (parent, model):
        tta: BaseTTAModel = MODELS.build(
            dict(type='SegTTAModel', module=module))
        tta.eval()
        with torch.no_grad():
            results.append(tta.test_step(tta_batch()))
    ref, got = results
    assert len(ref) == len(got) == 2
    for a, b in zip(ref, got):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)


@pytest.mark.parametrize('grad', [False, True])
def test_eval_mode_loss_is_the_parents_without_pfb_side_effects(pair, grad):
    parent, model = pair
    train_until_pruning(model)  # training now prunes
    copy_weights(model, parent)
    parent.eval()
    model.eval()
    before = pfb_state(model)
    data = model.data_preprocessor(raw_batch(seed=9), False)
    with torch.set_grad_enabled(grad):
        torch.manual_seed(3)  # PointRend samples points in loss()
        ref = parent.loss(data['inputs'], copy.deepcopy(data['data_samples']))
        torch.manual_seed(3)
        got = model.loss(data['inputs'], copy.deepcopy(data['data_samples']))
    assert got.keys() == ref.keys()
    assert not any(key.startswith('pfb_') for key in got)
    for key, value in ref.items():
        assert torch.equal(got[key], value), key
    assert_state_unchanged(model, before)
    assert not model.training
