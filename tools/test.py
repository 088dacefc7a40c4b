# Copyright (c) mmpfb contributors. All rights reserved.
"""Test (and evaluate) a checkpoint with MMEngine's Runner.

Same flags as MMSegmentation's ``tools/test.py``; ``--tta`` runs the
config's ``tta_model`` over its ``tta_pipeline`` (multi-scale + flip).
"""
import argparse
from typing import Optional, Sequence

from mmengine.runner import Runner

from mmpfb.utils import (CONFIG_ERROR_HELP, check_data_roots,
                         config_errors_as_tool_errors, register_all_modules,
                         run_tool, tool_parser)
from mmpfb.utils.cli_config import (add_runner_args, end_distributed,
                                    export_local_rank, load_cli_config)
from mmpfb.utils.runner_setup import apply_test_options

DESCRIPTION = ('Test and evaluate a checkpoint with MMEngine\'s Runner, with '
               'mmpfb\'s models and hooks registered; the flags are those '
               'of MMSegmentation\'s tools/test.py.')


def build_parser() -> argparse.ArgumentParser:
    """The tool's parser."""
    parser = tool_parser(DESCRIPTION, CONFIG_ERROR_HELP)
    parser.add_argument('config', help='The test config file.')
    parser.add_argument('checkpoint', help='The checkpoint file to test.')
    parser.add_argument(
        '--work-dir',
        help='The folder for the evaluation metrics. Defaults to the '
        'config\'s work_dir, else work_dirs/<config name>.')
    parser.add_argument(
        '--out', help='A folder to save the predictions in, as files.')
    parser.add_argument(
        '--show',
        action='store_true',
        help='Show each prediction in a window.')
    parser.add_argument(
        '--show-dir', help='A folder to save the painted predictions in.')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='Seconds each prediction is shown with --show. Defaults to 2.')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='Test with the config\'s test-time augmentation (tta_model '
        'over tta_pipeline).')
    add_runner_args(parser)
    return parser


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    export_local_rank(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = load_cli_config(args.config, args.launcher, args.cfg_options,
                          args.work_dir)
    apply_test_options(
        cfg,
        args.checkpoint,
        show=args.show,
        wait_time=args.wait_time,
        show_dir=args.show_dir,
        tta=args.tta,
        out=args.out)
    check_data_roots(cfg, ('test_dataloader', ))
    with config_errors_as_tool_errors():
        runner = Runner.from_cfg(cfg)
    runner.test()
    end_distributed()


if __name__ == '__main__':
    run_tool(main)
