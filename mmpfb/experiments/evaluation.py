# Copyright (c) mmpfb contributors. All rights reserved.
"""What a run reports for each host: its score and the score per class."""
from typing import Dict, NamedTuple, Sequence

from mmengine.config import Config


class HostTask(NamedTuple):
    """The score of a host's task and how its per-class scores are named.

    Attributes:
        scope (str): The host's default scope.
        score_key (str): Key of the main score in the test metrics.
        score_label (str): The score's name in tables.
        class_prefix (str): Per-class scores are ``<prefix>.<class>``.
    """
    scope: str
    score_key: str
    score_label: str
    class_prefix: str


HOST_TASKS = {
    'mmseg': HostTask('mmseg', 'mIoU', 'mIoU', 'IoU'),
    'mmpretrain': HostTask('mmpretrain', 'accuracy/top1', 'top-1 accuracy',
                           'acc'),
}
# MMPretrain's recall of a class is the accuracy on that class's images.
CLASSWISE_RECALL = 'single-label/recall_classwise'


def host_task(cfg: Config) -> HostTask:
    """The task of a config, from its ``default_scope``.

    Args:
        cfg (Config): A training config of a supported host.

    Returns:
        HostTask: The matching entry of :data:`HOST_TASKS`.
    """
    scope = cfg.get('default_scope')
    if scope not in HOST_TASKS:
        raise ValueError(
            f'default_scope must be one of {sorted(HOST_TASKS)}, but the '
            f'config {cfg.filename} has {scope!r}')
    return HOST_TASKS[scope]


def add_per_class_metrics(cfg: Config) -> None:
    """Make the test evaluator also report the score of every class.

    MMSegmentation: an ``IoUMetric`` becomes
    :class:`~mmpfb.evaluation.ClasswiseIoUMetric` with the
    same arguments. MMPretrain: a ``SingleLabelMetric`` with per-class
    recall is added unless one is there. Other evaluators are left as
    they are.

    Args:
        cfg (Config): The config to change in place.
    """
    task = host_task(cfg)
    evaluator = cfg.test_evaluator
    metrics = list(evaluator) if isinstance(evaluator, list) else [evaluator]
    if task.scope == 'mmseg':
        # registers it in MMSegmentation's METRICS
        from mmpfb import evaluation  # noqa: F401
        for metric in metrics:
            if metric.get('type') in ('IoUMetric', 'mmseg.IoUMetric'):
                metric['type'] = 'ClasswiseIoUMetric'
    elif not any(_is_classwise_single_label(m) for m in metrics):
        metrics.append(
            dict(type='SingleLabelMetric', items=('recall', ), average=None))
    cfg.test_evaluator = metrics


def _is_classwise_single_label(metric: dict) -> bool:
    """Whether ``metric`` already reports MMPretrain's per-class recall."""
    return (metric.get('type')
            in ('SingleLabelMetric', 'mmpretrain.SingleLabelMetric')
            and 'average' in metric and metric['average'] is None
            and 'recall' in metric.get('items', ('recall', )))


def name_per_class_scores(metrics: Dict, task: HostTask,
                          classes: Sequence[str]) -> Dict[str, float]:
    """Test metrics as floats, each class's score as ``<prefix>.<class>``.

    Args:
        metrics (dict): What ``Runner.test`` returned.
        task (HostTask): The config's task.
        classes (Sequence[str]): The test set's class names.

    Returns:
        dict[str, float]: The metrics, with each per-class list
        (MMPretrain's recall, ``ClasswiseIoUMetric``'s ``<metric>_classwise``)
        replaced by one entry per class: ``<prefix>.<class>`` for the
        recall, ``<metric>.<class>`` for the others.
    """
    metrics = dict(metrics)
    for key in [k for k in metrics if k.endswith('_classwise')]:
        values = metrics.pop(key)
        prefix = (
            task.class_prefix
            if key == CLASSWISE_RECALL else key[:-len('_classwise')])
        metrics.update({
            f'{prefix}.{name}': float(value)
            for name, value in zip(classes, values)
        })
    return {key: float(value) for key, value in metrics.items()}
