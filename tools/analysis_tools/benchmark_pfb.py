# Copyright (c) mmpfb contributors. All rights reserved.
"""Time PFB's training iterations against the parent model and the bounds,
and weigh their peak memory (``docs/speed.md``).

The work is :func:`mmpfb.experiments.benchmark.run_benchmark`; this prints its
table and writes ``benchmark_pfb.json`` and ``benchmark_pfb.png`` to
``--out-dir``. The input shape comes from the config (channels, crop);
``--crop`` / ``--channels`` override it, ``--real-data N`` times N batches
of the config's train dataloader instead of a synthetic one.

Usage:
    python tools/analysis_tools/benchmark_pfb.py CONFIG \\
        [--ratios 0.3 0.5 0.7] [--modes reuse recompute auto] \\
        [--batch-size N] [--crop H W] [--channels C] [--real-data N] \\
        [--device cpu|cuda] [--amp] [--no-memory] [--cfg-options KEY=VALUE ...]
"""
import argparse
import json
import os
import os.path as osp
import shlex
import sys

from mmengine.config import Config, DictAction

from mmpfb.experiments.benchmark import (BenchmarkOptions, format_table,
                                         plot_benchmark, run_benchmark)
from mmpfb.utils.tool_entry import run_tool, tool_parser


def build_parser() -> argparse.ArgumentParser:
    """The command line of this tool."""
    parser = tool_parser(
        description='Time PFB\'s training iterations against the parent '
        'model and the bounds, and weigh their peak memory.')
    parser.add_argument('config', help='A config with a PFB model.')
    parser.add_argument(
        '--ratios',
        type=float,
        nargs='+',
        default=[0.3, 0.5, 0.7],
        help='Prune ratios to time, each in (0, 1). Defaults to 0.3 0.5 '
        '0.7.')
    parser.add_argument(
        '--modes',
        nargs='+',
        default=['reuse', 'recompute', 'auto'],
        help='Modes of the shallow part\'s gradient to time (reuse, '
        'recompute, auto). Defaults to all three.')
    parser.add_argument(
        '--batch-size',
        type=int,
        help='The batch size N. Defaults to 10 (synthetic) or the train '
        'dataloader\'s.')
    parser.add_argument(
        '--crop',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='Size of the synthetic inputs. Defaults to the config\'s.')
    parser.add_argument(
        '--channels',
        type=int,
        help='Channels of the synthetic inputs. Defaults to the config\'s.')
    parser.add_argument(
        '--real-data',
        type=int,
        default=0,
        metavar='N',
        help='Time N batches of the config\'s train dataloader instead of '
        'a synthetic one.')
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cpu',
        help='The device to time on. Defaults to cpu.')
    parser.add_argument(
        '--warmup',
        type=int,
        default=2,
        help='Untimed rounds before the timed ones. Defaults to 2.')
    parser.add_argument(
        '--repeat',
        type=int,
        default=5,
        help='Timed rounds, of which the median is reported. Defaults to '
        '5.')
    parser.add_argument(
        '--no-memory',
        action='store_true',
        help='Skip the peak memory (one fresh process per model).')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='Use fp16 mixed precision (AmpOptimWrapper, CUDA only).')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='Override settings of the config, e.g. '
        'train_dataloader.batch_size=4.')
    parser.add_argument(
        '--out-dir',
        help='Where the JSON and PNG go. Defaults to '
        'work_dirs/benchmark_pfb/<config name>.')
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    options = BenchmarkOptions(
        ratios=tuple(args.ratios),
        modes=tuple(args.modes),
        batch_size=args.batch_size,
        crop=None if args.crop is None else tuple(args.crop),
        channels=args.channels,
        device=args.device,
        warmup=args.warmup,
        repeat=args.repeat,
        real_data=args.real_data,
        memory=not args.no_memory,
        amp=args.amp)
    out_dir = args.out_dir or osp.join(
        'work_dirs', 'benchmark_pfb',
        osp.splitext(osp.basename(args.config))[0])
    os.makedirs(out_dir, exist_ok=True)
    result = run_benchmark(cfg, options)
    result['command'] = shlex.join(['python'] + sys.argv)
    print('\n'.join(format_table(result)))
    with open(osp.join(out_dir, 'benchmark_pfb.json'), 'w') as f:
        json.dump(result, f, indent=2)
    plot_benchmark(result, osp.join(out_dir, 'benchmark_pfb.png'))
    print(f'\nwrote {out_dir}/benchmark_pfb.json and benchmark_pfb.png')


if __name__ == '__main__':
    run_tool(main)
