# Copyright (c) mmpfb contributors. All rights reserved.
"""Metrics: ``ClasswiseIoUMetric`` (MMSegmentation's ``IoUMetric`` that
also logs each class's IoU), imported where mmseg is installed."""
from mmpfb.utils.host_libraries import check_host_version, is_installed

__all__ = []

if is_installed('mmseg'):
    check_host_version('mmseg')
    from .classwise_iou_metric import ClasswiseIoUMetric  # noqa: F401
    __all__.append('ClasswiseIoUMetric')
