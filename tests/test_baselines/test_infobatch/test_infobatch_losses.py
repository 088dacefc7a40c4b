# Copyright (c) mmpfb contributors. All rights reserved.
import copy

import pytest
import torch

from mmpfb.baselines.infobatch import INDEX_KEY, WEIGHT_KEY


def stamp(samples, weights):
    for i, (sample, weight) in enumerate(zip(samples, weights)):
        sample.set_metainfo({INDEX_KEY: i, WEIGHT_KEY: float(weight)})
    return samples


def total(losses):
    return sum(v for k, v in losses.items() if 'loss' in k)


def seg_models(avg_non_ignore):
    pytest.importorskip('mmseg')
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg
    init_default_scope('mmseg')
    cfg = tiny_segmentor_cfg(num_aux_heads=2)
    # no class weights: mmseg 1.2.2 cannot weight classes where pixels
    # are ignored (it indexes the class weights with the ignore index)
    for head in [cfg['decode_head']] + cfg['auxiliary_head']:
        head['loss_decode'] = dict(
            type='CrossEntropyLoss',
            loss_weight=head.get('loss_decode', {}).get('loss_weight', 1.),
            avg_non_ignore=avg_non_ignore)
    host = MODELS.build(copy.deepcopy(cfg))
    cfg['type'] = 'mmpfb.InfoBatchEncoderDecoder'
    ours = MODELS.build(cfg)
    ours.load_state_dict(host.state_dict())
    return host.eval(), ours.eval()


def seg_batch():
    from mmpfb.experiments.testing.segmentation import tiny_seg_batch
    inputs, samples = tiny_seg_batch(3, size=(16, 16))
    samples[0].gt_sem_seg.data[:, :4] = 255  # ignored rows
    samples[2].gt_sem_seg.data[:, :, 3:] = 255
    return inputs, samples


@pytest.mark.parametrize('avg_non_ignore', [False, True])
def test_segmentation_sum_of_shares_is_the_host_loss(avg_non_ignore):
    host, ours = seg_models(avg_non_ignore)
    inputs, samples = seg_batch()
    expected = host.loss(inputs, copy.deepcopy(samples))
    got = ours.loss(inputs, stamp(samples, [1, 1, 1]))
    assert set(got) == set(expected)
    for key in expected:
        torch.testing.assert_close(got[key], expected[key])


def test_segmentation_scores_and_weights_against_single_images():
    """Score: the sum over heads of the image's loss over its valid
    pixels; weighted loss: each image's share of the batch's loss."""
    host, ours = seg_models(avg_non_ignore=True)
    inputs, samples = seg_batch()
    singles = torch.stack([
        total(host.loss(inputs[i:i + 1], copy.deepcopy(samples[i:i + 1])))
        for i in range(3)
    ])
    weights = torch.tensor([0.5, 2.0, 3.0])
    ours.loss(inputs, stamp(copy.deepcopy(samples), weights))
    indices, scores = ours.infobatch_record
    assert indices == [0, 1, 2]
    torch.testing.assert_close(scores, singles.detach())

    host, ours = seg_models(avg_non_ignore=False)
    singles = torch.stack([
        total(host.loss(inputs[i:i + 1], copy.deepcopy(samples[i:i + 1])))
        for i in range(3)
    ])
    got = total(ours.loss(inputs, stamp(copy.deepcopy(samples), weights)))
    # every image has 16 x 16 pixels: its share is its loss / 3
    torch.testing.assert_close(got, (weights * singles).sum() / 3)


def test_segmentation_gradient_is_the_weighted_host_gradient():
    host, ours = seg_models(avg_non_ignore=False)
    inputs, samples = seg_batch()
    weights = torch.tensor([0.0, 1.0, 2.0])
    total(ours.loss(inputs, stamp(copy.deepcopy(samples), weights))).backward()
    reference = sum(
        w *
        total(host.loss(inputs[i:i + 1], copy.deepcopy(samples[i:i + 1]))) / 3
        for i, w in enumerate(weights.tolist()))
    reference.backward()
    param = 'decode_head.conv_seg.weight'
    torch.testing.assert_close(
        dict(ours.named_parameters())[param].grad,
        dict(host.named_parameters())[param].grad)


def cls_models():
    pytest.importorskip('mmpretrain')
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from mmpfb.experiments.testing.classification import tiny_classifier_cfg
    init_default_scope('mmpretrain')
    cfg = tiny_classifier_cfg(augments=True)
    host = MODELS.build(copy.deepcopy(cfg))
    cfg['type'] = 'mmpfb.InfoBatchImageClassifier'
    ours = MODELS.build(cfg)
    ours.load_state_dict(host.state_dict())
    return host.eval(), ours.eval()


def test_classification_with_mixup_and_label_smoothing():
    from mmpfb.experiments.testing.classification import tiny_cls_batch
    host, ours = cls_models()
    inputs, samples = tiny_cls_batch(6)
    torch.manual_seed(0)
    data = host.data_preprocessor(
        dict(inputs=list(inputs), data_samples=samples), training=True)
    inputs, samples = data['inputs'], data['data_samples']
    assert 'gt_score' in samples[0]  # soft targets from the augments
    expected = host.loss(inputs, copy.deepcopy(samples))['loss']
    got = ours.loss(inputs, stamp(copy.deepcopy(samples), [1] * 6))['loss']
    torch.testing.assert_close(got, expected)
    singles = torch.stack([
        host.loss(inputs[i:i + 1], copy.deepcopy(samples[i:i + 1]))['loss']
        for i in range(6)
    ])
    weights = torch.arange(6.)
    got = ours.loss(inputs, stamp(copy.deepcopy(samples), weights))['loss']
    torch.testing.assert_close(got, (weights * singles).sum() / 6)
    torch.testing.assert_close(ours.infobatch_record[1], singles.detach())


def test_missing_weights_and_pfb_are_refused():
    host, ours = cls_models()
    from mmpfb.experiments.testing.classification import tiny_cls_batch
    inputs, samples = tiny_cls_batch(2)
    with pytest.raises(RuntimeError, match='InfoBatchHook'):
        ours.loss(inputs, samples)
    from mmpretrain.registry import MODELS

    from mmpfb.experiments.testing.classification import tiny_classifier_cfg
    cfg = tiny_classifier_cfg(pfb=dict(prune_ratio=0.5, block_stage=1))
    cfg['type'] = 'mmpfb.InfoBatchImageClassifier'
    with pytest.raises(TypeError, match='Partial Forward Blocking.*pfb='):
        MODELS.build(cfg)
