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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark PFB training iterations')
    parser.add_argument('config', help='a config with a PFB model')
    parser.add_argument(
        '--ratios', type=float, nargs='+', default=[0.3, 0.5, 0.7])
    parser.add_argument(
        '--modes', nargs='+', default=['reuse', 'recompute', 'auto'])
    parser.add_argument(
        '--batch-size',
        type=int,
        help='N. Defaults to 10 (synthetic) or the train dataloader\'s')
    parser.add_argument(
        '--crop',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='synthetic input size. Defaults to the config\'s')
    parser.add_argument(
        '--channels',
        type=int,
        help='synthetic input channels. Defaults to the config\'s')
    parser.add_argument(
        '--real-data',
        type=int,
        default=0,
        metavar='N',
        help='time N batches of the config\'s train dataloader')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument(
        '--no-memory',
        action='store_true',
        help='skip the peak memory (one fresh process per model)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='fp16 mixed precision (AmpOptimWrapper, CUDA only)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={})
    parser.add_argument(
        '--out-dir',
        help='where the JSON and PNG go. Defaults to '
        'work_dirs/benchmark_pfb/<config name>')
    return parser.parse_args()


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
    main()
