# Copyright (c) mmpfb contributors. All rights reserved.
"""Train a model with MMEngine's Runner, with mmpfb registered.

Same flags as MMSegmentation's ``tools/train.py``.
"""
import argparse
from typing import Optional, Sequence

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmpfb.utils import (CONFIG_ERROR_HELP, check_data_roots,
                         config_errors_as_tool_errors, register_all_modules,
                         run_tool, tool_parser)
from mmpfb.utils.cli_config import (add_runner_args, end_distributed,
                                    export_local_rank, load_cli_config)
from mmpfb.utils.runner_setup import apply_train_options, setup_cpu_distributed

DESCRIPTION = ('Train a model with MMEngine\'s Runner, with mmpfb\'s models '
               'and hooks registered; the flags are those of '
               'MMSegmentation\'s tools/train.py.')


def build_parser() -> argparse.ArgumentParser:
    """The tool's parser."""
    parser = tool_parser(DESCRIPTION, CONFIG_ERROR_HELP)
    parser.add_argument('config', help='The training config file.')
    parser.add_argument(
        '--work-dir',
        help='The folder for logs and checkpoints. Defaults to the '
        'config\'s work_dir, else work_dirs/<config name>.')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='Resume from the latest checkpoint in the work folder.')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='Train with automatic mixed precision.')
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
    apply_train_options(cfg, amp=args.amp, resume=args.resume)
    check_data_roots(cfg, ('train_dataloader', 'val_dataloader'))
    setup_cpu_distributed(cfg)
    with config_errors_as_tool_errors():
        if 'runner_type' not in cfg:
            runner = Runner.from_cfg(cfg)
        else:
            runner = RUNNERS.build(cfg)
    runner.train()
    end_distributed()


if __name__ == '__main__':
    run_tool(main)
