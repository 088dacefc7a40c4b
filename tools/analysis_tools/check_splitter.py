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
import sys

from mmengine.config import Config

from mmpfb.analysis import build_config_backbone, check_splitter


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--block-stage',
        type=int,
        help='check only this stage (default: every valid one)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[224, 224],
        metavar=('H', 'W'),
        help='input height and width (default: 224 224)')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
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
    sys.exit(main())
