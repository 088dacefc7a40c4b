# Copyright (c) mmpfb contributors. All rights reserved.
import numpy as np
import pytest
import torch

pytest.importorskip('mmseg')

from mmpfb.evaluation.classwise_iou_metric import \
    ClasswiseIoUMetric  # noqa: E402

CLASSES = ('background', 'ring', 'cross')


def test_iou_per_class_against_brute_force():
    rng = np.random.default_rng(0)
    preds = rng.integers(0, 3, size=(4, 8, 8))
    labels = rng.integers(0, 3, size=(4, 8, 8))
    labels[0, :2] = 255  # ignored pixels
    metric = ClasswiseIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=CLASSES)
    samples = [
        dict(
            pred_sem_seg=dict(data=torch.from_numpy(p)[None]),
            gt_sem_seg=dict(data=torch.from_numpy(g)[None]))
        for p, g in zip(preds, labels)
    ]
    metric.process({}, samples)
    results = metric.evaluate(len(samples))
    results.update({
        f'IoU.{name}': value
        for name, value in zip(CLASSES, results.pop('IoU_classwise'))
    })
    valid = labels != 255
    for index, name in enumerate(CLASSES):
        pred, label = (preds == index) & valid, (labels == index) & valid
        iou = (pred & label).sum() / (pred | label).sum()
        assert results[f'IoU.{name}'] == round(float(iou) * 100, 2)
    assert results['mIoU'] == pytest.approx(
        np.mean([results[f'IoU.{c}'] for c in CLASSES]), abs=0.01)
