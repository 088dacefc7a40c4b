# Copyright (c) mmpfb contributors. All rights reserved.
"""A study's cost-to-accuracy plot: test score against training time, and
against the work share (load-free)."""
from typing import List

from .spec import StudySpec

MARKERS = 'os^Dv<>P*Xph'

#: The x axes of the plot's two rows: summary key and axis label.
X_AXES = (('train_seconds', 'training time (s, summed iterations)'),
          ('work_share', 'work share (samples past the block / full data)'))


def plot_time_to_score(spec: StudySpec, rows: List[dict], path: str) -> None:
    """A column per config: every method's score against its training
    time (top) and against its work share (bottom; training times compare
    only between runs made under the same load).

    Each point is a method at one ratio (mean over seeds, with the sample
    standard deviation as error bars on both axes); a method's points are
    joined in the order of its ratios and labelled with them. The runs on
    full data (every sample past the block: full data, time-matched,
    longer schedules) are joined too, in the order of their cost: full
    data's time-to-accuracy curve, each point a complete run of that
    budget.

    Args:
        spec (StudySpec): The study (for the order of configs and
            methods).
        rows (list[dict]): From
            :func:`~mmpfb.experiments.study.summary.summarise`.
        path (str): The PNG file to write.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    configs = [
        c for c in spec.configs if any(r['config'] == c.name for r in rows)
    ]
    fig, axes = plt.subplots(
        len(X_AXES),
        max(1, len(configs)),
        figsize=(5 * max(1, len(configs)), 4 * len(X_AXES)),
        squeeze=False)
    for (key, xlabel), row_axes in zip(X_AXES, axes):
        for ax, config in zip(row_axes, configs):
            _panel(ax, spec, rows, config.name, key)
            ax.set_xlabel(xlabel)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _panel(ax, spec: StudySpec, rows: List[dict], config: str,
           key: str) -> None:
    """Every method's score on ``config`` against ``key``; a method has
    the same colour and marker in every panel."""
    from matplotlib import colormaps
    colours = colormaps['tab20']
    label = None
    for index, method in enumerate(spec.methods):
        points = sorted(
            (r['ratio'], r) for r in rows
            if r['config'] == config and r['method'] == method.name)
        if not points:
            continue
        label = points[0][1]['score_label']
        x = [r[key]['mean'] for _, r in points]
        y = [r['score']['mean'] for _, r in points]
        ax.errorbar(
            x,
            y,
            xerr=[r[key]['std'] for _, r in points],
            yerr=[r['score']['std'] for _, r in points],
            marker=MARKERS[index % len(MARKERS)],
            capsize=3,
            color=colours(index % colours.N),
            label=method.name)
        for (ratio, _), xi, yi in zip(points, x, y):
            if ratio:
                ax.annotate(
                    f'{ratio:g}', (xi, yi),
                    textcoords='offset points',
                    xytext=(4, 4),
                    fontsize=7)
    _full_data_line(ax, rows, config, key)
    ax.set_title(config)
    ax.set_ylabel(label or 'score')
    ax.legend(fontsize=8)


def _full_data_line(ax, rows: List[dict], config: str, key: str) -> None:
    """Join the full-data runs of ``config`` (those that train every
    sample past the block) in the order of ``key``, when there are two or
    more."""
    points = sorted((r[key]['mean'], r['score']['mean']) for r in rows
                    if r['config'] == config and r['keep_ratio']['mean'] == 1)
    if len(points) < 2:
        return
    ax.plot(
        *zip(*points),
        linestyle='--',
        color='grey',
        zorder=0,
        label='full data by budget')
