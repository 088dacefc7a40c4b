# Copyright (c) mmpfb contributors. All rights reserved.
"""Check that PFB splits a config's backbone exactly, and show where to
cut it.

For each valid block stage K (or the one given), shallow-then-deep is
compared with the backbone's own forward at every output on a random
input, in train and eval mode (and again with ``frozen_stages=1`` where
the backbone freezes stages), and the shallow part's share of the
backbone's FLOPs (mmengine.analysis) and parameters is printed.

Usage: python tools/analysis_tools/check_splitter.py CONFIG
       [--block-stage K] [--shape H W]
"""
import argparse
from typing import Optional, Sequence

from mmengine.config import Config

from mmpfb.analysis.check_splitter import build_config_backbone, check_splitter
from mmpfb.utils import run_tool, tool_parser

DESCRIPTION = ('Check that PFB splits a config\'s backbone exactly: for each '
               'valid block stage, the shallow part followed by the deep '
               'part must give the backbone\'s own outputs, in train and '
               'eval mode. Also print the shallow part\'s share of the '
               'backbone\'s FLOPs and parameters, to help choose where to '
               'cut it.')


def build_parser() -> argparse.ArgumentParser:
    """The tool's parser."""
    parser = tool_parser(DESCRIPTION)
    parser.add_argument(
        'config', help='The config file whose model.backbone is checked.')
    parser.add_argument(
        '--block-stage',
        type=int,
        help='Check only this block stage. Defaults to every valid one.')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[224, 224],
        metavar=('H', 'W'),
        help='The height and width of the random input. Defaults to 224 '
        '224.')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = Config.fromfile(args.config)
    build = build_config_backbone(cfg)
    stages = None if args.block_stage is None else [args.block_stage]
    reports = check_splitter(
        build, block_stages=stages, input_shape=(3, *args.shape))
    print(f'{cfg.model.backbone.type} on a {args.shape[0]}x{args.shape[1]}'
          ' input')
    print(f'{"K":>3}  {"FLOPs":>6}  {"params":>6}  split == forward')
    for report in reports:
        checks = ', '.join(f'{mode}: {"ok" if ok else "DIFFERS"}'
                           for mode, ok in report.checks.items())
        print(f'{report.block_stage:>3}  {report.flops_share:6.1%}  '
              f'{report.params_share:6.1%}  {checks}')
    return 0 if all(report.ok for report in reports) else 1


if __name__ == '__main__':
    run_tool(main)
