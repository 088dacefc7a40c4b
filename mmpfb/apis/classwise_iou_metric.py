# Copyright (c) mmpfb contributors. All rights reserved.
"""MMSegmentation's IoU metric that also returns each class's IoU.

Imported only where a segmentation run is evaluated (it imports
MMSegmentation and registers the metric in its ``METRICS``).
"""
from typing import Dict

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class ClasswiseIoUMetric(IoUMetric):
    """:class:`mmseg.evaluation.IoUMetric` plus ``IoU.<class>`` results.

    The parent logs the per-class table but returns only the averages;
    this subclass also returns each class's IoU in percent, rounded like
    the parent's table, so that a study can report it.
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Add ``IoU.<class>`` to the parent's metrics.

        Args:
            results (list): Per image, the areas of intersection, union,
                prediction and label per class (the parent's format).

        Returns:
            dict[str, float]: The parent's metrics and the IoU per class.
        """
        metrics = super().compute_metrics(results)
        intersect = sum(r[0] for r in results)
        union = sum(r[1] for r in results)
        iou = (intersect / union).numpy()
        for name, value in zip(self.dataset_meta['classes'], iou):
            metrics[f'IoU.{name}'] = round(float(value) * 100, 2)
        return metrics
