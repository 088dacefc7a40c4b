# Copyright (c) mmpfb contributors. All rights reserved.
"""Show what PFB's selection drops, by class, on a config's training
batches, and how much of the ranking the density decides.

The trained model and estimator come from a checkpoint (else the weights
are random and the estimator is filled from the batches). Nothing is
trained. Work in
:func:`mmpfb.experiments.selection_report.analyze_selection`.

Usage: python tools/analysis_tools/analyze_selection.py CONFIG
       [--checkpoint PTH] [--batches N] [--batch-size N]
       [--seg-label {dominant,rarest,present}] [--cfg-options KEY=VALUE ...]
"""
import argparse

from mmengine.config import Config, DictAction

from mmpfb.experiments.selection_report import (SEG_LABEL_RULES,
                                                analyze_selection)
from mmpfb.utils.tool_entry import run_tool, tool_parser


def build_parser() -> argparse.ArgumentParser:
    """The command line of this tool."""
    parser = tool_parser(
        description='Show what PFB\'s selection drops, by class, on a '
        'config\'s training batches, and how much of the ranking the '
        'density decides.')
    parser.add_argument('config', help='A config with a PFB model.')
    parser.add_argument(
        '--checkpoint',
        help='A checkpoint of that model. Defaults to random weights and '
        'an estimator filled from the batches.')
    parser.add_argument(
        '--batches',
        type=int,
        default=8,
        help='Training batches to score. Defaults to 8.')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=0,
        help='Images per batch. Defaults to the config\'s.')
    parser.add_argument(
        '--seg-label',
        choices=SEG_LABEL_RULES,
        default='dominant',
        help='What a segmentation image counts for: its dominant class, '
        'its rarest, or every class present. Defaults to dominant.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='Override settings, e.g. model.pfb.class_quota=True.')
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.batches < 1:
        parser.error(f'--batches must be >= 1, got {args.batches}')
    if args.batch_size < 0:
        parser.error(f'--batch-size must be >= 0, got {args.batch_size}')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    report = analyze_selection(cfg, args.checkpoint, args.batches,
                               args.batch_size, args.seg_label)
    print('\n'.join(report.format()))


if __name__ == '__main__':
    run_tool(main)
