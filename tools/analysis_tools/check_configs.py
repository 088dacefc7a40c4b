# Copyright (c) mmpfb contributors. All rights reserved.
"""Say which of a host library's configs train with PFB.

For each config (by default the first, in sorted order, of each model
family folder), the model's type is swapped for mmpfb's host, the parent
and its PFB twin are built with the same random weights (no download,
``BN`` for ``SyncBN``), and on a small random batch a 2-image step at
``p = 0`` must give the parent's losses and gradients and a 4-image step
at ``p = 0.5`` must keep 2 images with finite losses. A markdown table of
the results and the counts by status per host library are printed. Work
in :mod:`mmpfb.analysis.check_configs`.

Usage: python tools/analysis_tools/check_configs.py SOURCE [SOURCE ...]
       [--all] [--block-stage K] [--shape H W] [--max-params M]
       [--out FILE]

A SOURCE is a config file, a folder, or ``mmseg::``, ``mmpretrain::``,
``mmdet::`` (that package's ``.mim/configs``, optionally followed by a
folder inside it, e.g. ``mmseg::swin``).
"""
import argparse
import json
from dataclasses import asdict
from typing import Optional, Sequence

from mmpfb.analysis.check_configs import check_configs, format_reports
from mmpfb.utils import ToolError, run_tool, tool_parser

DESCRIPTION = (
    'Say which configs train with PFB: for each config (by default the '
    'first of each model family folder), build the model and its PFB twin '
    'with the same random weights, check that a step at p = 0 gives the '
    'model\'s own losses and gradients and that a step at p = 0.5 keeps '
    'half the batch, and print a table of the results with the counts by '
    'status per host library.')


def build_parser() -> argparse.ArgumentParser:
    """The tool's parser."""
    parser = tool_parser(DESCRIPTION)
    parser.add_argument(
        'sources',
        nargs='+',
        metavar='SOURCE',
        help='A config file, a folder of configs, or a package prefix such '
        'as mmseg:: or mmpretrain::swin_transformer (that package\'s '
        '.mim/configs).')
    parser.add_argument(
        '--all',
        action='store_true',
        help='Check every config, not only the first of each family.')
    parser.add_argument(
        '--block-stage',
        type=int,
        default=1,
        help='The block stage, clipped to each backbone\'s valid range. '
        'Defaults to 1.')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='The height and width of the random input. Defaults to the '
        'backbone\'s img_size where the config sets it, else 64 64 (or the '
        'config\'s training crop if the model refuses 64 64).')
    parser.add_argument(
        '--max-params',
        type=float,
        help='Report models with more parameters than this many millions '
        'as errors without training them. Defaults to no limit.')
    parser.add_argument(
        '--out', help='Also write the reports to this JSON file.')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    max_params = None
    if args.max_params is not None:
        max_params = int(args.max_params * 1e6)
    try:
        reports = check_configs(
            args.sources,
            block_stage=args.block_stage,
            all_configs=args.all,
            shape=args.shape,
            max_params=max_params)
    except ValueError as exc:
        raise ToolError(str(exc), exit_code=2) from exc
    if not reports:
        raise ToolError(f'no config found in {args.sources}')
    print('\n'.join(format_reports(reports)))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump([asdict(r) for r in reports], f, indent=1)
    return 0


if __name__ == '__main__':
    run_tool(main)
