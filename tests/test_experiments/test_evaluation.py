# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
from mmengine.config import Config

from mmpfb.experiments.evaluation import (HOST_TASKS, add_per_class_metrics,
                                          host_task, name_per_class_scores)


def test_unsupported_scope_is_named():
    with pytest.raises(ValueError, match="the config None has 'mmdet'"):
        host_task(Config(dict(default_scope='mmdet')))


IOU = dict(type='IoUMetric', iou_metrics=['mIoU'])


@pytest.mark.parametrize('evaluator, types', [
    (IOU, ['ClasswiseIoUMetric']),
    ([IOU, dict(type='CityscapesMetric')
      ], ['ClasswiseIoUMetric', 'CityscapesMetric']),
])
def test_segmentation_iou_becomes_classwise(evaluator, types):
    pytest.importorskip('mmseg')
    cfg = Config(dict(default_scope='mmseg', test_evaluator=evaluator))
    add_per_class_metrics(cfg)
    assert [m['type'] for m in cfg.test_evaluator] == types
    assert cfg.test_evaluator[0]['iou_metrics'] == ['mIoU']


ACCURACY = dict(type='Accuracy', topk=(1, ))
RECALL = dict(type='SingleLabelMetric', items=('recall', ), average=None)


@pytest.mark.parametrize(
    'evaluator, expected',
    [
        (ACCURACY, [ACCURACY, RECALL]),
        ([ACCURACY, RECALL], [ACCURACY, RECALL]),  # not twice
        ([dict(type='SingleLabelMetric')
          ], [dict(type='SingleLabelMetric'), RECALL]),  # that one averages
    ])
def test_classification_gets_recall_per_class(evaluator, expected):
    cfg = Config(dict(default_scope='mmpretrain', test_evaluator=evaluator))
    add_per_class_metrics(cfg)
    assert cfg.test_evaluator == expected


def test_per_class_scores_are_named():
    metrics = {
        'accuracy/top1': 90.0,
        'single-label/recall_classwise': [80.0, 100.0]
    }
    named = name_per_class_scores(metrics, HOST_TASKS['mmpretrain'],
                                  ('ring', 'cross'))
    assert named == {
        'accuracy/top1': 90.0,
        'acc.ring': 80.0,
        'acc.cross': 100.0
    }
    seg = {'mIoU': 50.0, 'IoU.ring': 40.0}
    assert name_per_class_scores(seg, HOST_TASKS['mmseg'], ('ring', )) == seg
