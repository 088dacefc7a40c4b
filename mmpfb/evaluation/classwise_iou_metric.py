# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Dict

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class ClasswiseIoUMetric(IoUMetric):
    """MMSegmentation's ``IoUMetric`` that also returns its per-class
    table: ``<metric>_classwise`` lists (``IoU_classwise``,
    ``Acc_classwise``, ...) in percent, in the order of the dataset's
    classes, for :class:`~mmpfb.engine.ClassMetricsHook` to log per class.

    Arguments are ``IoUMetric``'s, e.g.
    ``dict(type='ClasswiseIoUMetric', iou_metrics=['mIoU'])``.
    """

    def compute_metrics(self, results: list) -> Dict[str, object]:
        metrics = super().compute_metrics(results)
        areas = [sum(r[i] for r in results) for i in range(4)]
        per_class = self.total_area_to_metrics(*areas, self.metrics,
                                               self.nan_to_num, self.beta)
        per_class.pop('aAcc', None)
        for key, values in per_class.items():
            metrics[f'{key}_classwise'] = [
                round(float(v) * 100, 2) for v in values
            ]
        return metrics
