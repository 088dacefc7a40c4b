# Copyright (c) mmpfb contributors. All rights reserved.
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from mmpfb.engine import ClassMetricsHook

CLASSES = ('road', 'car', 'tree')


def fake_runner(name):
    loader = SimpleNamespace(
        dataset=SimpleNamespace(metainfo=dict(classes=CLASSES)))
    return SimpleNamespace(
        val_dataloader=loader,
        test_dataloader=loader,
        message_hub=MessageHub.get_instance(name))


@pytest.mark.parametrize('mode', ['val', 'test'])
def test_per_class_lists_become_named_scalars(mode):
    runner = fake_runner(f'class_metrics_{mode}')
    metrics = {
        'accuracy/top1': 80.0,
        'single-label/recall_classwise': [90.0, 50.0, 10.0],
        'IoU_classwise': [70.0, 20.0, 5.0]
    }
    getattr(ClassMetricsHook(), f'after_{mode}_epoch')(runner, metrics)
    scalars = runner.message_hub.log_scalars
    for key, values in [('recall', metrics['single-label/recall_classwise']),
                        ('IoU', metrics['IoU_classwise'])]:
        for name, value in zip(CLASSES, values):
            assert scalars[f'{mode}/{key}.{name}'].current() == value
    assert f'{mode}/accuracy/top1' not in scalars  # left to MMEngine


def test_a_list_of_the_wrong_length_names_the_metric():
    with pytest.raises(ValueError, match='IoU_classwise has 2 values'):
        ClassMetricsHook.class_scalars({'IoU_classwise': [1, 2]}, CLASSES)


def test_classwise_iou_matches_a_brute_force_count():
    pytest.importorskip('mmseg')
    from mmpfb.evaluation import ClasswiseIoUMetric
    metric = ClasswiseIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=CLASSES)
    gen = torch.Generator().manual_seed(0)
    preds = torch.randint(3, (4, 8, 8), generator=gen)
    labels = torch.randint(3, (4, 8, 8), generator=gen)
    labels[0, :2] = 255  # ignored pixels
    results = [
        metric.intersect_and_union(p, l, 3, 255)
        for p, l in zip(preds, labels)
    ]
    out = metric.compute_metrics(results)
    valid = labels != 255
    for c in range(3):  # float64 reference
        p, g = (preds == c) & valid, (labels == c) & valid
        iou = (p & g).sum().double() / (p | g).sum().double()
        assert out['IoU_classwise'][c] == pytest.approx(
            float(iou) * 100, abs=0.006)
    assert out['mIoU'] == pytest.approx(
        np.mean(out['IoU_classwise']), abs=0.01)
