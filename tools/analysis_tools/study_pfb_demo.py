# Copyright (c) mmpfb contributors. All rights reserved.
"""Study on the embedded segmentation demo: full data vs PFB vs random.

Trains the demo's DeepLabV3-R18 (``tools/run_demo.py``) with every
sample, with PFB and with uniform random in-batch pruning (the same
blocking, ``model.pfb.criterion='random'``) at each prune ratio, for each
seed, all for the same number of iterations; evaluates each run with
multi-scale + flip test-time augmentation and reports the mean and the
standard deviation over seeds of the mIoU, of the rare classes' IoU and
of the time per training iteration. Runs go to
``WORK_DIR/<method>_p<ratio>_s<seed>``; a run whose ``result.json`` is
there is not repeated, so an interrupted study resumes. The table is
printed; ``study.json``, ``study.md`` and ``study.png`` are written to
the work dir.

Usage:
    python tools/analysis_tools/study_pfb_demo.py [--ratios 0.3 0.5 0.7]
        [--seeds 0 1 2] [--jobs 2] [--threads 1] [--work-dir DIR]
        [--cfg-options KEY=VALUE ...]
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, NamedTuple

from mmengine.config import DictAction

from mmpfb.utils import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHODS = ('full', 'pfb', 'random')


class Run(NamedTuple):
    """One training of the study."""
    method: str  # one of METHODS
    ratio: float  # 0 for 'full'
    seed: int

    @property
    def name(self) -> str:
        return f'{self.method}_p{self.ratio:g}_s{self.seed}'

    def cfg_options(self) -> dict:
        options = {'randomness.seed': self.seed}
        if self.method != 'full':
            options['model.pfb.prune_ratio'] = self.ratio
            options['model.pfb.criterion'] = ('density' if self.method == 'pfb'
                                              else 'random')
        return options


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--ratios', type=float, nargs='+', default=[0.3, 0.5, 0.7])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='trainings run side by side (one process each). Defaults to 1')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch CPU threads per training. Defaults to 1')
    parser.add_argument(
        '--work-dir',
        default=osp.join(REPO, 'work_dirs', 'study_pfb_demo'),
        help='Defaults to work_dirs/study_pfb_demo')
    parser.add_argument(
        '--data-root',
        default=osp.join(REPO, 'data', 'demo_voc'),
        help='Defaults to data/demo_voc')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override settings of every run, e.g. train_cfg.max_iters=500')
    parser.add_argument(
        '--single',
        type=json.loads,
        metavar='JSON',
        help='internal: train and test one run, given as a JSON object '
        'with the fields of Run and the parsed cfg_options')
    args = parser.parse_args(argv)
    for name in ('jobs', 'threads'):
        if getattr(args, name) < 1:
            parser.error(f'--{name} must be >= 1, got {getattr(args, name)}')
    for ratio in args.ratios:
        if not 0 < ratio < 1:
            parser.error(f'--ratios must lie in (0, 1), got {ratio}')
    return args


def planned_runs(args: argparse.Namespace) -> List[Run]:
    runs = [Run('full', 0.0, seed) for seed in args.seeds]
    runs += [
        Run(method, ratio, seed) for method in METHODS[1:]
        for ratio in args.ratios for seed in args.seeds
    ]
    return runs


def train_and_test(run: Run, args: argparse.Namespace) -> dict:
    """Train ``run`` as the demo does and return its TTA metrics plus
    ``sec_per_iter``."""
    import torch
    torch.set_num_threads(args.threads)
    # the study trains and tests each run exactly as the demo does
    demo = load_script(osp.join(REPO, 'tools', 'run_demo.py'))
    demo_args = argparse.Namespace(
        task='seg',
        work_dir=osp.join(args.work_dir, run.name),
        data_root=args.data_root,
        cfg_options={
            **args.cfg_options,
            **run.cfg_options()
        })
    classes, evaluator = demo.prepare(demo_args)
    config = 'full' if run.method == 'full' else 'pfb'
    seconds = demo.train(config, demo_args, evaluator)
    metrics = demo.test(config, demo_args, evaluator, classes)
    return dict(
        run._asdict(),
        sec_per_iter=seconds,
        **{
            k: float(v)
            for k, v in metrics.items()
        })


def result_path(run: Run, args: argparse.Namespace) -> str:
    return osp.join(args.work_dir, run.name, 'result.json')


def launch(run: Run, args: argparse.Namespace) -> dict:
    """Train ``run`` in its own process (unless its result exists)."""
    path = result_path(run, args)
    if not osp.exists(path):
        single = dict(run._asdict(), cfg_options=args.cfg_options)
        command = [
            sys.executable,
            osp.abspath(__file__), '--single',
            json.dumps(single), '--threads',
            str(args.threads), '--work-dir', args.work_dir, '--data-root',
            args.data_root
        ]
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(osp.join(osp.dirname(path), 'study_run.log'), 'w') as log:
            subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, check=True)
    with open(path) as f:
        return json.load(f)


def mean_std(values: List[float]) -> Dict[str, float]:
    return dict(
        mean=statistics.mean(values),
        std=statistics.stdev(values) if len(values) > 1 else 0.0,
        n=len(values))


def summarise(results: List[dict], rare: List[str]) -> List[dict]:
    """Mean and spread over seeds per (method, ratio)."""
    groups: Dict[tuple, List[dict]] = {}
    for r in results:
        groups.setdefault((r['method'], r['ratio']), []).append(r)
    rows = []
    for (method, ratio), group in groups.items():
        row = dict(method=method, ratio=ratio)
        row['mIoU'] = mean_std([r['mIoU'] for r in group])
        for name in rare:
            row[f'IoU.{name}'] = mean_std([r[f'IoU.{name}'] for r in group])
        row['rare_mIoU'] = mean_std([
            statistics.mean(r[f'IoU.{name}'] for name in rare) for r in group
        ])
        row['sec_per_iter'] = mean_std([r['sec_per_iter'] for r in group])
        rows.append(row)
    return rows


def format_table(rows: List[dict], rare: List[str]) -> List[str]:
    cell = lambda s, fmt='{:.2f}': \
        f'{fmt.format(s["mean"])} ± {fmt.format(s["std"])}'  # noqa: E731
    seeds = max(r['mIoU']['n'] for r in rows)
    lines = [
        f'mean ± standard deviation over {seeds} seeds; IoU with '
        'multi-scale + flip TTA', '', '| method | pruned | mIoU | ' +
        ' | '.join(f'IoU {n}' for n in rare) + ' | s / iter |',
        '|---|---|---|' + '---|' * len(rare) + '---|'
    ]
    for r in rows:
        pruned = '-' if r['method'] == 'full' else f'{r["ratio"]:.0%}'
        lines.append(f'| {r["method"]} | {pruned} | {cell(r["mIoU"])} | ' +
                     ' | '.join(cell(r[f'IoU.{n}']) for n in rare) +
                     f' | {cell(r["sec_per_iter"], "{:.3f}")} |')
    return lines


def plot(rows: List[dict], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    panels = (('mIoU', 'mIoU (TTA)'), ('rare_mIoU', 'mean IoU of the '
                                       'rare classes'),
              ('sec_per_iter', 's / training iteration'))
    full = next((r for r in rows if r['method'] == 'full'), None)
    for ax, (key, label) in zip(axes, panels):
        if full is not None:
            mean, std = full[key]['mean'], full[key]['std']
            ax.axhline(mean, color='k', ls=':', label='full data')
            ax.axhspan(mean - std, mean + std, color='k', alpha=0.1)
        for method, marker in (('pfb', 'o'), ('random', 's')):
            series = sorted(
                (r['ratio'], r[key]) for r in rows if r['method'] == method)
            if series:
                ax.errorbar([s[0] for s in series],
                            [s[1]['mean'] for s in series],
                            yerr=[s[1]['std'] for s in series],
                            marker=marker,
                            capsize=3,
                            label=method)
        ax.set_xlabel('prune ratio p')
        ax.set_ylabel(label)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.single:
        args.cfg_options = args.single.pop('cfg_options')
        run = Run(**args.single)
        result = train_and_test(run, args)
        with open(result_path(run, args), 'w') as f:
            json.dump(result, f, indent=2)
        return

    from mmpfb.datasets import generate_demo_voc
    from mmpfb.datasets.demo_voc import DEMO_RARE_FRACTIONS
    generate_demo_voc(args.data_root)  # once, before the runs share it
    runs = planned_runs(args)
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda run: launch(run, args), runs))
    rare = list(DEMO_RARE_FRACTIONS)
    rows = summarise(results, rare)
    lines = format_table(rows, rare)
    print('\n'.join(lines))
    with open(osp.join(args.work_dir, 'study.json'), 'w') as f:
        json.dump(dict(runs=results, summary=rows), f, indent=2)
    with open(osp.join(args.work_dir, 'study.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    plot(rows, osp.join(args.work_dir, 'study.png'))
    print(f'\nwrote {args.work_dir}/study.json, study.md and study.png')


if __name__ == '__main__':
    main()
