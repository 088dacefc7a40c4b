# Copyright (c) mmpfb contributors. All rights reserved.
"""The main job: PFB against full-data training on the embedded demo.

Command line of :func:`mmpfb.experiments.demo.run_demo`: generates the demo
data, trains the demo's PFB and full-data configs, tests both and prints
the result table. The console shows a progress bar per training and test;
MMEngine's full logs go to the log files in the work directory
(``--verbose`` shows them instead).

Usage: python tools/run_demo.py [--task {seg,cls}] [--work-dir DIR]
[--data-root DIR] [--threads N] [--verbose] [--cfg-options KEY=VALUE ...]
"""
import argparse
import os.path as osp
from importlib.util import find_spec

from mmengine.config import DictAction

from mmpfb.experiments.demo import DEMO_TASKS, format_demo_table, run_demo
from mmpfb.utils import (CONFIG_ERROR_HELP, config_errors_as_tool_errors,
                         run_tool, tool_parser)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

DESCRIPTION = ('Run the demo: generate the demo data, train the demo\'s PFB '
               'and full-data configs, test both and print the result '
               'table, with a progress bar per run on the console and '
               'MMEngine\'s full logs in the work folder.')


def build_parser() -> argparse.ArgumentParser:
    """The tool's parser."""
    parser = tool_parser(DESCRIPTION, CONFIG_ERROR_HELP)
    parser.add_argument(
        '--task',
        choices=sorted(DEMO_TASKS),
        default='seg',
        help='The demo to run: seg trains DeepLabV3 on the demo VOC data, '
        'cls trains ResNet-18 on the demo shapes. Defaults to seg.')
    parser.add_argument(
        '--work-dir',
        help='The folder for logs and checkpoints. Defaults to '
        'work_dirs/demo for seg and work_dirs/demo_cls for cls.')
    parser.add_argument(
        '--data-root',
        help='The folder the demo data is generated in. Defaults to '
        'data/demo_voc for seg and data/demo_shapes for cls.')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='The number of torch CPU threads; the demo\'s small layers '
        'run no faster on two, and far slower when the cores are shared. '
        'Defaults to 1.')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='Show MMEngine\'s full logs instead of progress bars.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='Override settings of both configs, as key=value pairs like '
        'tools/train.py\'s (e.g. randomness.seed=1).')
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    task = DEMO_TASKS[args.task]
    if find_spec(task.host) is None:
        parser.error(f'--task {args.task} needs {task.host}, which is not '
                     'installed')
    if args.threads < 1:
        parser.error(f'--threads must be >= 1, got {args.threads}')
    if args.work_dir is None:
        args.work_dir = osp.join(REPO, 'work_dirs', task.work_dir)
    if args.data_root is None:
        args.data_root = osp.join(REPO, 'data', task.data_dir)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    with config_errors_as_tool_errors():
        results = run_demo(args.task, args.work_dir, args.data_root,
                           args.cfg_options, args.verbose)
    print('\n'.join(['', *format_demo_table(args.task, results)]))


if __name__ == '__main__':
    run_tool(main)
