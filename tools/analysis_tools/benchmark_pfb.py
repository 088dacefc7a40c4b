# Copyright (c) mmpfb contributors. All rights reserved.
"""Time PFB's training iterations against the parent model and the bounds.

For the parent model (no pruning) and for PFB with ``shallow_grad``
reuse, recompute and auto, whole training iterations (forward, backward,
optimizer step) are timed on a synthetic batch: warm-up rounds, then the
median of repeated rounds (CUDA synchronised on GPU). Every round runs
each measured step once, so a drift of the machine's speed hits all of
them alike. Per prune ratio ``p`` with ``K = (1 - p) N`` kept samples
the table shows:

- the ideal bound ``T_ideal = T_full(K) + T_sf(N) - T_sf(K)`` (pruned
  samples pay only the shallow forward ``T_sf``);
- the achievable bound with exact gradients,
  ``T_ach = T_ideal + min(p T_sb(N), K / N T_sf(N))`` (``reuse`` runs the
  shallow backward ``T_sb`` over all N rows, ``recompute`` the shallow
  forward again on K);
- the share of the ideal (achievable) saving that PFB achieves,
  ``(T_full(N) - T_pfb) / (T_full(N) - T_ideal)``;
- the scoring overhead as a share of the iteration: pooling, density,
  selection and estimator update timed on their own (synchronised), as
  the ``pfb_score_time`` logged inside a step would on GPU include
  waiting for the queued shallow forward; and the peak memory (CUDA
  only).

``T_full`` at a fractional K is interpolated between the neighbouring
whole batch sizes; PFB then keeps either of them from one iteration to
the next, so the median is exact only where ``(1 - p) N`` is whole (the
default N = 10 makes it whole for the default ratios). The table is
printed; JSON and a PNG plot are written to ``--out-dir``.

Usage:
    python tools/analysis_tools/benchmark_pfb.py CONFIG \\
        [--ratios 0.3 0.5 0.7] [--batch-size N] [--crop H W] \\
        [--device cpu|cuda]
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List

import torch
from mmengine.config import Config
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import MODELS, DefaultScope

from mmpfb.models.blocking import PFBModelMixin
from mmpfb.models.density import pool_representation

MODES = ('reuse', 'recompute', 'auto')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark PFB training iterations')
    parser.add_argument('config', help='a config with a PFB model')
    parser.add_argument(
        '--ratios', type=float, nargs='+', default=[0.3, 0.5, 0.7])
    parser.add_argument('--batch-size', type=int, default=10)
    parser.add_argument(
        '--crop', type=int, nargs=2, default=[256, 256], metavar=('H', 'W'))
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument(
        '--out-dir',
        help='where the JSON and PNG go. Defaults to '
        'work_dirs/benchmark_pfb/<config name>')
    return parser.parse_args()


class Bench:
    """The parent model, its PFB twin with the same weights, and a batch.

    Args:
        cfg (Config): A config whose model has a ``pfb`` dict.
        batch_size (int): N.
        crop (tuple[int, int]): Input height and width.
        device (str): ``'cpu'`` or ``'cuda'``.
    """

    def __init__(self, cfg: Config, batch_size: int, crop: tuple,
                 device: str) -> None:
        model_cfg = copy.deepcopy(cfg.model)
        if 'pfb' not in model_cfg:
            raise ValueError(f'{cfg.filename} has no model.pfb: give the '
                             'PFB config, not its full-data twin')
        model_cfg.pop('data_preprocessor', None)
        model_cfg.pop('pretrained', None)
        if 'init_cfg' in model_cfg.get('backbone', {}):
            model_cfg.backbone.init_cfg = None
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            self.pfb = MODELS.build(model_cfg)
            parent_cls = next(
                c for c in type(self.pfb).__mro__[1:]
                if c is not PFBModelMixin)
            parent_cfg = {
                k: v
                for k, v in model_cfg.items()
                if k not in ('type', 'pfb', '_scope_')
            }
            self.parent = parent_cls(**copy.deepcopy(parent_cfg))
        self.parent.load_state_dict(self.pfb.state_dict(), strict=False)
        self.device = torch.device(device)
        self.pfb = revert_sync_batchnorm(self.pfb).to(self.device).train()
        self.parent = revert_sync_batchnorm(self.parent).to(
            self.device).train()
        self.batch_size = batch_size
        self.inputs, self.samples = self._batch(parent_cls, batch_size,
                                                tuple(crop))

    def _batch(self, parent_cls: type, batch_size: int, crop: tuple):
        if parent_cls.__module__.startswith('mmseg'):
            from mmpfb.testing.segmentation import tiny_seg_batch
            inputs, samples = tiny_seg_batch(
                batch_size, crop, num_classes=self.parent.num_classes)
        else:
            from mmpfb.testing.classification import tiny_cls_batch
            inputs, samples = tiny_cls_batch(
                batch_size, crop, num_classes=self.parent.head.num_classes)
        return inputs.to(self.device), [s.to(self.device) for s in samples]

    def sync(self) -> None:
        if self.device.type == 'cuda':
            torch.cuda.synchronize()

    def measure(self, fns: Dict[tuple, Callable], warmup: int,
                repeat: int) -> Dict[tuple, dict]:
        """Median seconds, spread and CUDA peak MiB of each of ``fns``.

        The callables are run round-robin, one call each per round, so
        that a drift of the machine's speed (thermal, other processes)
        affects all of them alike instead of whichever ran last. The
        spread is the interquartile range of the rounds as a share of
        their median: differences below it are noise.
        """
        for _ in range(warmup):
            for fn in fns.values():
                fn()
        times = {name: [] for name in fns}
        peaks = dict.fromkeys(fns)
        for _ in range(repeat):
            for name, fn in fns.items():
                if self.device.type == 'cuda':
                    torch.cuda.reset_peak_memory_stats()
                self.sync()
                start = time.perf_counter()
                fn()
                self.sync()
                times[name].append(time.perf_counter() - start)
                if self.device.type == 'cuda':
                    peaks[name] = max(
                        peaks[name] or 0.0,
                        torch.cuda.max_memory_allocated() / 2**20)
        return {
            name:
            dict(
                seconds=statistics.median(times[name]),
                spread=relative_iqr(times[name]),
                peak_mib=peaks[name])
            for name in fns
        }

    def train_step(self, model, num: int) -> Callable:
        optim = torch.optim.SGD(model.parameters(), lr=1e-9)

        def step():
            optim.zero_grad(set_to_none=True)
            losses = model.loss(self.inputs[:num],
                                copy.deepcopy(self.samples[:num]))
            total, log_vars = model.parse_losses(losses)
            total.backward()
            optim.step()
            return log_vars

        return step

    def shallow_forward(self, num: int) -> Callable:
        splitter = self.pfb.blocker.splitter

        def run():
            with torch.no_grad():
                splitter.forward_shallow(self.pfb.backbone, self.inputs[:num])

        return run

    def shallow_forward_backward(self, num: int, backward: bool) -> Callable:
        splitter = self.pfb.blocker.splitter

        def run():
            state = splitter.forward_shallow(self.pfb.backbone,
                                             self.inputs[:num])
            if backward:
                total = sum(t.float().sum()
                            for t in [state.carry] + list(state.outs))
                total.backward()

        return run

    def scoring(self, ratio: float) -> Callable:
        """Pooling, density, selection and the estimator update of the
        batch's stage features at ``ratio``, as one PFB step runs them,
        ending with the host copy of the kept rows."""
        blocker = self.pfb.blocker
        with torch.no_grad():
            feature = blocker.splitter.forward_shallow(self.pfb.backbone,
                                                       self.inputs).feature
        num_keep = max(round((1 - ratio) * self.batch_size), 1)

        def run():
            x = pool_representation(feature, blocker.estimator.feat_dim)
            keep = blocker.choose_kept(x, num_keep)
            blocker.estimator.update(x.index_select(0, keep))
            keep.tolist()

        return run

    def fill_estimator(self) -> None:
        blocker = self.pfb.blocker
        blocker.set_pruning(enabled=False)
        with torch.no_grad():
            while not blocker.estimator.is_ready:
                self.pfb.loss(self.inputs, copy.deepcopy(self.samples))
        blocker.set_pruning(enabled=True)


def relative_iqr(times: List[float]) -> float:
    if len(times) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(times, n=4)
    return (q3 - q1) / statistics.median(times)


def interpolate(values: Dict[int, float], k: float) -> float:
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return values[lo]
    return values[lo] + (k - lo) * (values[hi] - values[lo])


def pfb_step(bench: Bench, ratio: float, mode: str,
             log: List[dict]) -> Callable:
    """A PFB training step at ``ratio`` and ``mode`` that logs its losses."""
    step = bench.train_step(bench.pfb, bench.batch_size)

    def run():
        bench.pfb.blocker.shallow_grad = mode
        bench.pfb.blocker.set_pruning(enabled=True, prune_ratio=ratio)
        log.append(step())

    return run


def run(args: argparse.Namespace) -> dict:
    cfg = Config.fromfile(args.config)
    bench = Bench(cfg, args.batch_size, args.crop, args.device)
    n = args.batch_size
    sizes = sorted({
        k
        for p in args.ratios
        for k in (math.floor((1 - p) * n), math.ceil((1 - p) * n)) if k > 0
    } | {n})
    bench.fill_estimator()
    fns = {}
    for k in sizes:
        fns[('full', k)] = bench.train_step(bench.parent, k)
        fns[('shallow_forward', k)] = bench.shallow_forward(k)
    fns[('shallow_forward_grad', n)] = bench.shallow_forward_backward(n, False)
    fns[('shallow_forward_backward',
         n)] = bench.shallow_forward_backward(n, True)
    logs = {}
    for p in args.ratios:
        for mode in MODES:
            logs[(p, mode)] = []
            fns[(p, mode)] = pfb_step(bench, p, mode, logs[(p, mode)])
        fns[('scoring', p)] = bench.scoring(p)
    measured = bench.measure(fns, args.warmup, args.repeat)

    t_full = {k: measured[('full', k)]['seconds'] for k in sizes}
    t_sf = {k: measured[('shallow_forward', k)]['seconds'] for k in sizes}
    t_sf_grad = measured[('shallow_forward_grad', n)]['seconds']
    t_sb = max(
        measured[('shallow_forward_backward', n)]['seconds'] - t_sf_grad, 0.0)
    rows = []
    for p in args.ratios:
        k = (1 - p) * n
        ideal = interpolate(t_full, k) + t_sf[n] - interpolate(t_sf, k)
        achievable = ideal + min(p * t_sb, k / n * t_sf[n])
        for mode in MODES:
            # Only the timed runs: the warm-up ones are the first entries.
            log = logs[(p, mode)][args.warmup:]
            logged = statistics.mean(float(v['pfb_score_time']) for v in log)
            keep = statistics.mean(float(v['pfb_keep_num']) for v in log)
            bench.pfb.blocker.shallow_grad = mode
            bench.pfb.blocker.set_pruning(enabled=True, prune_ratio=p)
            t_pfb = measured[(p, mode)]['seconds']
            saving = t_full[n] - t_pfb
            rows.append(
                dict(
                    ratio=p,
                    mode=mode,
                    resolved_mode=bench.pfb.blocker.resolve_shallow_grad(),
                    seconds=t_pfb,
                    spread=measured[(p, mode)]['spread'],
                    mean_keep=keep,
                    ideal_seconds=ideal,
                    achievable_seconds=achievable,
                    saving=saving / t_full[n],
                    ideal_share=saving / (t_full[n] - ideal),
                    achievable_share=saving / (t_full[n] - achievable),
                    score_seconds=measured[('scoring', p)]['seconds'],
                    score_share=measured[('scoring', p)]['seconds'] / t_pfb,
                    logged_score_seconds=logged,
                    peak_mib=measured[(p, mode)]['peak_mib']))
    return dict(
        config=args.config,
        device=args.device,
        machine=machine_description(args.device),
        threads=torch.get_num_threads(),
        batch_size=n,
        crop=list(args.crop),
        repeat=args.repeat,
        full_seconds=t_full[n],
        full_spread=measured[('full', n)]['spread'],
        full_peak_mib=measured[('full', n)]['peak_mib'],
        shallow_forward_seconds=t_sf[n],
        shallow_forward_grad_seconds=t_sf_grad,
        shallow_backward_seconds=t_sb,
        rows=rows)


def machine_description(device: str) -> str:
    if device == 'cuda':
        return torch.cuda.get_device_name()
    return f'{os.cpu_count()}-core CPU, torch {torch.__version__}'


def format_table(result: dict) -> List[str]:
    ms = lambda s: f'{s * 1e3:.1f}'  # noqa: E731
    lines = [
        f'{result["config"]} on {result["machine"]} '
        f'({result["threads"]} threads), batch {result["batch_size"]}, '
        f'crop {result["crop"]}, median of {result["repeat"]} rounds',
        f'full iteration {ms(result["full_seconds"])} ms '
        f'(interquartile range {result["full_spread"]:.1%}); over all N, '
        f'shallow forward {ms(result["shallow_forward_seconds"])} ms '
        f'({ms(result["shallow_forward_grad_seconds"])} ms with autograd), '
        f'shallow backward {ms(result["shallow_backward_seconds"])} ms', '',
        '| p | mode | ms/iter | IQR | ideal ms | achievable ms | saving '
        '| of ideal saving | of achievable saving | scoring | peak MiB |',
        '|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for r in result['rows']:
        mode = r['mode'] if r['mode'] != 'auto' else \
            f'auto ({r["resolved_mode"]})'
        peak = '-' if r['peak_mib'] is None else f'{r["peak_mib"]:.0f}'
        lines.append(
            f'| {r["ratio"]:.2f} | {mode} | {ms(r["seconds"])} | '
            f'{r["spread"]:.1%} | '
            f'{ms(r["ideal_seconds"])} | {ms(r["achievable_seconds"])} | '
            f'{r["saving"]:.1%} | {r["ideal_share"]:.1%} | '
            f'{r["achievable_share"]:.1%} | {r["score_share"]:.2%} | '
            f'{peak} |')
    return lines


def plot(result: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    ratios = sorted({r['ratio'] for r in result['rows']})
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.axhline(
        result['full_seconds'] * 1e3, color='k', ls=':', label='full data')

    def series(mode, key='seconds'):
        return [
            next(r[key] for r in result['rows']
                 if r['ratio'] == p and r['mode'] == mode) * 1e3
            for p in ratios
        ]

    ax.plot(ratios, series('reuse', 'ideal_seconds'), 'k--', label='ideal')
    ax.plot(
        ratios,
        series('reuse', 'achievable_seconds'),
        'k-.',
        label='achievable')
    for mode, marker in zip(MODES, 'os^'):
        ax.plot(ratios, series(mode), marker=marker, label=mode)
    ax.set_xlabel('prune ratio p')
    ax.set_ylabel('ms / training iteration')
    ax.set_title(osp.basename(result['config']), fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    out_dir = args.out_dir or osp.join(
        'work_dirs', 'benchmark_pfb',
        osp.splitext(osp.basename(args.config))[0])
    os.makedirs(out_dir, exist_ok=True)
    result = run(args)
    print('\n'.join(format_table(result)))
    with open(osp.join(out_dir, 'benchmark_pfb.json'), 'w') as f:
        json.dump(result, f, indent=2)
    plot(result, osp.join(out_dir, 'benchmark_pfb.png'))
    print(f'\nwrote {out_dir}/benchmark_pfb.json and benchmark_pfb.png')


if __name__ == '__main__':
    main()
