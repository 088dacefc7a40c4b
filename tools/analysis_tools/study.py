# Copyright (c) mmpfb contributors. All rights reserved.
"""Run a study: configs x methods x ratios x seeds, one process per run.

Command line of :func:`mmpfb.experiments.study.run_study`. The spec is a YAML
or Python file (see :mod:`mmpfb.experiments.study.spec` and the ones in
``configs/studies/``); ``--configs`` and ``--methods`` pick the spec's
entries by name, ``--ratios`` and ``--seeds`` replace the spec's,
``--cfg-options`` is merged into its options for every run (a study can
so be run in pieces). Finished runs (those with a result file) are not trained
again. Prints the summary table; ``summary.json``, ``summary.md`` and
``summary.png`` are written to the results folder.

Usage:
    python tools/analysis_tools/study.py SPEC [--jobs N] [--threads N]
        [--work-dir DIR] [--results-dir DIR] [--configs NAME ...]
        [--ratios P ...]
        [--seeds S ...] [--methods NAME ...] [--summarize-only]
        [--cfg-options KEY=VALUE ...]
"""
import argparse

from mmengine.config import DictAction

from mmpfb.experiments.study import format_markdown, load_study_spec, run_study
from mmpfb.utils.tool_entry import run_tool, tool_parser


def build_parser() -> argparse.ArgumentParser:
    """The command line of this tool."""
    parser = tool_parser(
        description='Run a study: configs x methods x ratios x seeds, one '
        'process per run, and summarise it.')
    parser.add_argument('spec', help='The study spec file (.yaml or .py).')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='Runs trained side by side (one process each). Defaults to 1.')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='Torch CPU threads per run. Defaults to 1.')
    parser.add_argument(
        '--work-dir',
        help='Folder of the logs and checkpoints. Defaults to '
        'work_dirs/<study name>.')
    parser.add_argument(
        '--results-dir',
        help='Folder of the result files and the summary. Defaults to '
        '<work dir>/results.')
    parser.add_argument(
        '--configs',
        nargs='+',
        help='Run only the spec\'s configs of these names.')
    parser.add_argument(
        '--ratios',
        type=float,
        nargs='+',
        help='Prune ratios that replace the spec\'s.')
    parser.add_argument(
        '--seeds', type=int, nargs='+', help='Seeds that replace the spec\'s.')
    parser.add_argument(
        '--methods',
        nargs='+',
        help='Run only these methods (the spec\'s, or registered ones).')
    parser.add_argument(
        '--summarize-only',
        action='store_true',
        help='Train nothing: summarise the runs that have a result file.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='Override settings of every run, e.g. '
        'train_cfg.max_iters=500.')
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ('jobs', 'threads'):
        if getattr(args, name) < 1:
            parser.error(f'--{name} must be >= 1, got {getattr(args, name)}')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    overrides = {
        key: value
        for key in ('configs', 'ratios', 'seeds', 'methods', 'cfg_options')
        if (value := getattr(args, key)) is not None
    }
    spec = load_study_spec(args.spec, overrides)
    rows, paths = run_study(spec, args.work_dir, args.results_dir, args.jobs,
                            args.threads, not args.summarize_only)
    print('\n'.join(format_markdown(spec, rows)))
    print(f'wrote {", ".join(paths.values())}')


if __name__ == '__main__':
    run_tool(main)
