# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Dict, Optional

from mmengine.hooks import Hook

from mmpfb.registry import HOOKS, register_in_host_scopes

CLASSWISE_SUFFIX = '_classwise'


@HOOKS.register_module()
class ClassMetricsHook(Hook):
    """Log per-class metrics as one scalar per class.

    Evaluators return per-class results as lists (MMPretrain's
    ``single-label/recall_classwise`` with ``average=None``;
    :class:`~mmpfb.evaluation.ClasswiseIoUMetric`'s ``IoU_classwise``), which
    MMEngine keeps out of the scalar logs. After each validation or test
    epoch this hook adds ``<mode>/<metric>.<class name>`` scalars to the
    message hub, e.g. ``val/recall.cat`` and ``val/IoU.road``: the
    metric's prefix (``single-label/``) and ``_classwise`` are dropped,
    and the class names are the dataset's ``metainfo['classes']``. The
    logger hook (which runs after this one) then writes them to the JSON
    log and every visualizer backend, without the ``val/`` prefix.

    Args:
        priority (int | str): Hook priority; after MMEngine's runtime
            info hook and before the logger hook. Defaults to
            ``'NORMAL'``.
    """

    def __init__(self, priority='NORMAL') -> None:
        self.priority = priority

    @staticmethod
    def class_scalars(metrics: Dict[str, object],
                      class_names) -> Dict[str, float]:
        """``<metric>.<class name>`` scalars from the per-class lists.

        Args:
            metrics (dict): An evaluator's results.
            class_names (Sequence[str]): The dataset's classes.

        Returns:
            dict[str, float]: One entry per class and per-class metric.
        """
        out = {}
        for key, values in metrics.items():
            if not key.endswith(CLASSWISE_SUFFIX):
                continue
            values = list(values)
            if len(values) != len(class_names):
                raise ValueError(
                    f'{key} has {len(values)} values but the dataset has '
                    f'{len(class_names)} classes {tuple(class_names)}')
            name = key.rsplit('/', 1)[-1][:-len(CLASSWISE_SUFFIX)]
            for cls, value in zip(class_names, values):
                out[f'{name}.{cls}'] = float(value)
        return out

    def _log(self, runner, mode: str, dataloader,
             metrics: Optional[dict]) -> None:
        if not metrics:
            return
        names = dataloader.dataset.metainfo.get('classes', ())
        for key, value in self.class_scalars(metrics, names).items():
            runner.message_hub.update_scalar(f'{mode}/{key}', value)

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        """Add the validation's per-class scalars."""
        self._log(runner, 'val', runner.val_dataloader, metrics)

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        """Add the test's per-class scalars."""
        self._log(runner, 'test', runner.test_dataloader, metrics)


register_in_host_scopes('HOOKS', ClassMetricsHook)
