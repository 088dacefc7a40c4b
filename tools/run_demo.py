# Copyright (c) mmpfb contributors. All rights reserved.
"""The main job: PFB against full-data training on the embedded demo.

Command line of :func:`mmpfb.experiments.run_demo`: generates the demo data,
trains the demo's PFB and full-data configs, tests both and prints the
result table. The console shows a progress bar per training and test;
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

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--task',
        choices=sorted(DEMO_TASKS),
        default='seg',
        help='seg: DeepLabV3 on the demo VOC data (default); cls: '
        'ResNet-18 on the demo shapes')
    parser.add_argument(
        '--work-dir',
        help='where logs and checkpoints go (default: work_dirs/demo for '
        'seg, work_dirs/demo_cls for cls)')
    parser.add_argument(
        '--data-root',
        help='where the demo dataset is generated (default: data/demo_voc '
        'for seg, data/demo_shapes for cls)')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch CPU threads (default 1: the demo\'s small layers run '
        'no faster on two, and far slower when the cores are shared)')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='show MMEngine\'s full logs instead of progress bars')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override settings of both configs, as tools/train.py does, '
        'e.g. randomness.seed=1')
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
    results = run_demo(args.task, args.work_dir, args.data_root,
                       args.cfg_options, args.verbose)
    print('\n'.join(['', *format_demo_table(args.task, results)]))


if __name__ == '__main__':
    main()
