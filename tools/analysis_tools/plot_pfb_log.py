# Copyright (c) mmpfb contributors. All rights reserved.
"""Plot PFB's statistics over iterations from an MMEngine json log.

The log is ``<work_dir>/<timestamp>/vis_data/scalars.json`` (or the
``<timestamp>.json`` beside it): one JSON object per logged iteration.
Panels: kept fraction (realised and target), scoring time, the
estimator summaries that PFBHook logs and, when PFBClassKeepHook ran,
the kept fraction of each class (``pfb_keep_rate.<class>``).

Usage: python tools/analysis_tools/plot_pfb_log.py LOG.json [--out PNG]
"""
import argparse
import json
import os.path as osp
from typing import Dict, List

PANELS = (
    ('kept fraction', ('pfb_keep_ratio', 'pfb_prune_ratio'), ''),
    ('scoring time', ('pfb_score_time', ), 'ms'),
    ('centroid weights', ('pfb_effective_centroids', 'pfb_num_filled'), ''),
    ('bandwidth', ('pfb_bandwidth', ), ''),
)
CLASS_KEEP_PREFIX = 'pfb_keep_rate.'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('log', help='MMEngine json log (scalars.json)')
    parser.add_argument(
        '--out', help='PNG path. Defaults to the log path with .png')
    return parser.parse_args()


def load_train_rows(path: str) -> List[Dict]:
    """The training rows (those with PFB statistics) of a json log."""
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows = [r for r in rows if 'pfb_keep_ratio' in r]
    if not rows:
        raise ValueError(f'{path} holds no PFB statistics (pfb_keep_ratio); '
                         'was the model trained with PFB and PFBHook?')
    return rows


def class_keep_keys(rows: List[Dict]) -> List[str]:
    """The per-class keep-rate keys of the log, in first-seen order."""
    keys = dict.fromkeys(
        k for r in rows for k in r if k.startswith(CLASS_KEEP_PREFIX))
    return list(keys)


def plot_log(rows: List[Dict], out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    class_keys = class_keep_keys(rows)
    panels = list(PANELS)
    if class_keys:
        panels.append(('kept fraction per class', tuple(class_keys), ''))
    num_rows = (len(panels) + 1) // 2
    fig, axes = plt.subplots(
        num_rows, 2, figsize=(9, 3 * num_rows), sharex=True)
    iters = [r.get('iter', r.get('step')) for r in rows]
    for ax, (title, keys, unit) in zip(axes.flat, panels):
        for key in keys:
            points = [(i, r[key]) for i, r in zip(iters, rows) if key in r]
            if not points:
                continue
            xs, values = zip(*points)
            label = key
            if key == 'pfb_prune_ratio':
                values = [1 - v for v in values]
                label = '1 - pfb_prune_ratio (target)'
            elif unit == 'ms':
                values = [v * 1e3 for v in values]
            elif key.startswith(CLASS_KEEP_PREFIX):
                label = key[len(CLASS_KEEP_PREFIX):]
            ax.plot(xs, values, label=label)
        ax.set_title(title + (f' ({unit})' if unit else ''))
        ax.legend(fontsize=7)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel('iteration')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    out = args.out or osp.splitext(args.log)[0] + '.png'
    plot_log(load_train_rows(args.log), out)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
