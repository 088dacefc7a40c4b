# Copyright (c) mmpfb contributors. All rights reserved.
"""Plot PFB's statistics over iterations from an MMEngine json log.

The log is ``<work_dir>/<timestamp>/vis_data/scalars.json`` (or the
``<timestamp>.json`` beside it); :mod:`mmpfb.analysis.pfb_log` reads it
into panels: kept fraction (realised and target), scoring time, the
estimator summaries that PFBHook logs and, when PFBClassKeepHook ran,
the kept fraction of each class (``pfb_keep_rate.<class>``).

Usage: python tools/analysis_tools/plot_pfb_log.py LOG.json [--out PNG]
"""
import argparse
import os.path as osp
from typing import List, Optional, Sequence

from mmpfb.analysis.pfb_log import Panel, load_pfb_log, pfb_log_panels
from mmpfb.utils import ToolError, run_tool, tool_parser

DESCRIPTION = ('Plot the statistics that PFB logs (kept fraction, scoring '
               'time, estimator summaries and, when logged, the kept '
               'fraction of each class) over the iterations of an '
               'MMEngine json log, as a PNG file.')


def build_parser() -> argparse.ArgumentParser:
    """The tool's parser."""
    parser = tool_parser(DESCRIPTION)
    parser.add_argument(
        'log',
        help='The MMEngine json log (vis_data/scalars.json or the '
        '<timestamp>.json beside it).')
    parser.add_argument(
        '--out',
        help='The PNG file to write. Defaults to the log\'s path with '
        '.png.')
    return parser


def plot_panels(panels: List[Panel], out: str) -> None:
    """Draw the panels two per row and save the figure to ``out``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    num_rows = (len(panels) + 1) // 2
    fig, axes = plt.subplots(
        num_rows, 2, figsize=(9, 3 * num_rows), sharex=True)
    for ax, panel in zip(axes.flat, panels):
        for series in panel.series:
            ax.plot(series.iters, series.values, label=series.label)
        ax.set_title(panel.title)
        ax.legend(fontsize=7)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel('iteration')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = build_parser().parse_args(argv)
    out = args.out or osp.splitext(args.log)[0] + '.png'
    try:
        rows = load_pfb_log(args.log)
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
    plot_panels(pfb_log_panels(rows), out)
    print(f'wrote {out}')


if __name__ == '__main__':
    run_tool(main)
