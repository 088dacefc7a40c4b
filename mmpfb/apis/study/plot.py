# Copyright (c) mmpfb contributors. All rights reserved.
"""A study's time-to-accuracy plot: test score against training time."""
from typing import List

from .spec import StudySpec


def plot_time_to_score(spec: StudySpec, rows: List[dict], path: str) -> None:
    """One panel per config: every method's score against its time.

    Each point is a method at one ratio (mean over seeds, with the sample
    standard deviation as error bars on both axes); a method's points are
    joined in the order of its ratios and labelled with them.

    Args:
        spec (StudySpec): The study (for the order of configs and
            methods).
        rows (list[dict]): From :func:`~mmpfb.apis.study.summary.summarise`.
        path (str): The PNG file to write.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    configs = [
        c for c in spec.configs if any(r['config'] == c.name for r in rows)
    ]
    fig, axes = plt.subplots(
        1,
        max(1, len(configs)),
        figsize=(5 * max(1, len(configs)), 4),
        squeeze=False)
    for ax, config in zip(axes[0], configs):
        label = None
        for method in spec.methods:
            points = sorted(
                (r['ratio'], r) for r in rows
                if r['config'] == config.name and r['method'] == method.name)
            if not points:
                continue
            label = points[0][1]['score_label']
            x = [r['train_seconds']['mean'] for _, r in points]
            y = [r['score']['mean'] for _, r in points]
            ax.errorbar(
                x,
                y,
                xerr=[r['train_seconds']['std'] for _, r in points],
                yerr=[r['score']['std'] for _, r in points],
                marker='o',
                capsize=3,
                label=method.name)
            for (ratio, _), xi, yi in zip(points, x, y):
                if ratio:
                    ax.annotate(
                        f'{ratio:g}', (xi, yi),
                        textcoords='offset points',
                        xytext=(4, 4),
                        fontsize=7)
        ax.set_title(config.name)
        ax.set_xlabel('training time (s, summed iterations)')
        ax.set_ylabel(label or 'score')
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
