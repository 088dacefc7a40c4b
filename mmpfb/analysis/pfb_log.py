# Copyright (c) mmpfb contributors. All rights reserved.
"""Read PFB's statistics from an MMEngine json log, as panels to plot.

The log is ``<work_dir>/<timestamp>/vis_data/scalars.json`` (or the
``<timestamp>.json`` beside it): one JSON object per logged iteration.
:class:`~mmpfb.engine.PFBHook` logs the ``pfb_*`` keys of the training
rows; :class:`~mmpfb.engine.PFBClassKeepHook`, when it ran, the kept
fraction of each class (``pfb_keep_rate.<class>``), every few
iterations. :func:`pfb_log_panels` groups them into the panels that
``tools/analysis_tools/plot_pfb_log.py`` draws.
"""
import json
from typing import Dict, List, NamedTuple, Sequence, Tuple

# The key that marks a training row with PFB statistics.
KEEP_RATIO_KEY = 'pfb_keep_ratio'
# The target prune ratio, drawn as the kept fraction it aims at.
PRUNE_RATIO_KEY = 'pfb_prune_ratio'
CLASS_KEEP_PREFIX = 'pfb_keep_rate.'
# (title, keys, unit): the panels of every PFB log; unit 'ms' scales the
# logged seconds to milliseconds.
PANELS: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    ('kept fraction', (KEEP_RATIO_KEY, PRUNE_RATIO_KEY), ''),
    ('scoring time', ('pfb_score_time', ), 'ms'),
    ('centroid weights', ('pfb_effective_centroids', 'pfb_num_filled'), ''),
    ('bandwidth', ('pfb_bandwidth', ), ''),
)
CLASS_KEEP_TITLE = 'kept fraction per class'


class Series(NamedTuple):
    """One line of a panel.

    Attributes:
        label (str): Its legend entry.
        iters (tuple[int]): The iterations it was logged at.
        values (tuple[float]): The values, in the panel's unit.
    """
    label: str
    iters: Tuple[int, ...]
    values: Tuple[float, ...]


class Panel(NamedTuple):
    """One plot of the figure.

    Attributes:
        title (str): Its title, with the unit when it has one.
        series (list[Series]): Its lines; keys the log lacks have none.
    """
    title: str
    series: List[Series]


def load_pfb_log(path: str) -> List[Dict]:
    """The training rows (those with PFB statistics) of a json log.

    Args:
        path (str): The log, one JSON object per line.

    Returns:
        list[dict]: The rows that hold ``pfb_keep_ratio``, in order.

    Raises:
        ValueError: No row holds PFB statistics.
    """
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows = [r for r in rows if KEEP_RATIO_KEY in r]
    if not rows:
        raise ValueError(f'{path} holds no PFB statistics (pfb_keep_ratio); '
                         'was the model trained with PFB and PFBHook?')
    return rows


def class_keep_keys(rows: Sequence[Dict]) -> List[str]:
    """The per-class keep-rate keys of the log, in first-seen order.

    Args:
        rows (Sequence[dict]): Rows of a log.

    Returns:
        list[str]: The ``pfb_keep_rate.<class>`` keys.
    """
    keys = dict.fromkeys(
        k for r in rows for k in r if k.startswith(CLASS_KEEP_PREFIX))
    return list(keys)


def log_series(rows: Sequence[Dict], key: str, unit: str = '') -> Series:
    """The values of ``key`` over the iterations of the rows that log it.

    The target prune ratio becomes the kept fraction it aims at
    (``1 - pfb_prune_ratio``), seconds become milliseconds when ``unit``
    is ``'ms'`` and a class's keep rate is labelled with the class.

    Args:
        rows (Sequence[dict]): Rows of a log; a row's iteration is its
            ``iter``, else its ``step``.
        key (str): The logged key.
        unit (str): The panel's unit. Defaults to ``''``.

    Returns:
        Series: Empty when no row logs ``key``.
    """
    points = [(r.get('iter', r.get('step')), r[key]) for r in rows if key in r]
    iters = tuple(i for i, _ in points)
    values = tuple(v for _, v in points)
    label = key
    if key == PRUNE_RATIO_KEY:
        values = tuple(1 - v for v in values)
        label = '1 - pfb_prune_ratio (target)'
    elif unit == 'ms':
        values = tuple(v * 1e3 for v in values)
    elif key.startswith(CLASS_KEEP_PREFIX):
        label = key[len(CLASS_KEEP_PREFIX):]
    return Series(label, iters, values)


def pfb_log_panels(rows: Sequence[Dict]) -> List[Panel]:
    """The panels of a PFB log: kept fraction (realised and target),
    scoring time, the estimator's summaries, the bandwidth and, when the
    log has them, the kept fraction of each class.

    Args:
        rows (Sequence[dict]): The training rows (:func:`load_pfb_log`).

    Returns:
        list[Panel]: The panels, each with the series the log holds.
    """
    panels = list(PANELS)
    class_keys = class_keep_keys(rows)
    if class_keys:
        panels.append((CLASS_KEEP_TITLE, tuple(class_keys), ''))
    result = []
    for title, keys, unit in panels:
        series = [log_series(rows, key, unit) for key in keys]
        result.append(
            Panel(title + (f' ({unit})' if unit else ''),
                  [s for s in series if s.iters]))
    return result
