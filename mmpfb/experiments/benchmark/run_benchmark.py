# Copyright (c) mmpfb contributors. All rights reserved.
"""Time (and weigh) PFB's training iterations against the parent model
and the bounds; what ``tools/analysis_tools/benchmark_pfb.py`` runs.

.. code:: text

    run_benchmark()
      ├─ BenchModels                parent + one PFB twin per (p, mode)
      ├─ synthetic_batch() | real_batches()
      ├─ fill_estimator()           template's centroids -> every twin
      ├─ time_round_robin()         full(k), shallow parts, twins, scoring
      ├─ saved_mib()                activations: all, the shallow part
      ├─ step_peak_mib()            one fresh process per model (memory)
      └─ rows: ideal / achievable bounds, shares, scoring, memory
"""
import copy
import datetime
import math
import os
import statistics
from dataclasses import dataclass
from typing import (Callable, ContextManager, Dict, List, Optional, Sequence,
                    Tuple)

import torch
import torch.nn as nn
from mmengine.config import Config
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from mmpfb.models.density import pool_representation
from .activation_memory import saved_mib
from .batches import Batch, real_batches, synthetic_batch
from .bench_models import BenchModels
from .benchmark_options import BenchmarkOptions
from .input_shape import InputShape, input_shape_from_config
from .peak_memory import step_peak_mib
from .round_robin_timer import time_round_robin
from .saving_bounds import achievable_seconds, ideal_seconds
from .train_step import amp_autocast, make_train_step

SYNTHETIC_BATCH_SIZE = 10


def _progress() -> Progress:
    return Progress(
        TextColumn('{task.description}'),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn('ETA'),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        refresh_per_second=2)


def _label(name: tuple) -> str:
    if isinstance(name[0], float):
        return f'PFB p={name[0]:.2f} {name[1]}'
    return f'{name[0]} (N={name[1]})' if name[0] != 'scoring' else \
        f'scoring p={name[1]:.2f}'


class _Steps:
    """The measured callables over a batch that changes per round; those
    that stand for part of a training step run under its autocast."""

    def __init__(self, models: BenchModels, batches: List[Batch],
                 batch_size: int, amp: bool) -> None:
        self.models = models
        self.amp = amp
        self.device = batches[0].inputs.device
        self.batches = batches
        self.batch_size = batch_size
        self.batch = batches[0]
        self.logs: Dict[tuple, list] = {}

    def select(self, index: int) -> None:
        self.batch = self.batches[index % len(self.batches)]

    def autocast(self) -> ContextManager:
        """The training step's autocast (see :func:`amp_autocast`)."""
        return amp_autocast(self.amp, self.device)

    def train(self, model: nn.Module, num: int, log: list = None) -> Callable:
        step = make_train_step(model, self.amp)

        def run():
            batch = self.batch.head(num)
            log_vars = step(batch.inputs, batch.samples)
            if log is not None:
                # the scoring time as PFBHook logs it (on a GPU: waits for
                # the step's selection, which the timer waits for anyway)
                log.append(
                    dict(
                        log_vars,
                        pfb_score_time=model.blocker.score_timer.seconds))

        return run

    def shallow(self, num: int, grad: bool, backward: bool) -> Callable:
        model = self.models.template
        splitter = model.blocker.splitter

        def run():
            with torch.set_grad_enabled(grad), self.autocast():
                state = splitter.forward_shallow(model.backbone,
                                                 self.batch.inputs[:num])
            if backward:
                sum(t.float().sum()
                    for t in [state.carry, *state.outs]).backward()

        return run

    def scoring(self, ratio: float) -> Callable:
        """Pooling, then the step's own selection at ``ratio`` (the
        blocker's ``select_and_learn``: the criterion, the host copy of
        the kept rows, the estimator update; the template's estimator
        absorbs them)."""
        model = self.models.template
        blocker = model.blocker
        with torch.no_grad(), self.autocast():
            feature = blocker.splitter.forward_shallow(
                model.backbone, self.batches[0].inputs).feature
        num_keep = max(round((1 - ratio) * self.batch_size), 1)

        def run():
            with self.autocast():
                x = pool_representation(feature, blocker.estimator.feat_dim)
                blocker.select_and_learn(x, num_keep)

        return run


def _batches(cfg: Config, models: BenchModels, options: BenchmarkOptions,
             shape: Optional[InputShape], device: torch.device) -> List[Batch]:
    if options.real_data:
        return real_batches(cfg, models.template, options.real_data,
                            options.batch_size or 0, device)
    return [
        synthetic_batch(models.parent, shape, options.batch_size
                        or SYNTHETIC_BATCH_SIZE, device)
    ]


def _memory(cfg: Config, models: BenchModels, steps: _Steps,
            options: BenchmarkOptions, progress: Progress) -> dict:
    """Peak MiB per model (fresh processes) and the activations that
    autograd saves over all N and in the shallow part, under the
    training step's autocast."""
    n = steps.batch_size
    batch = steps.batches[0].head(n)
    parent = models.parent
    exclude = list(parent.parameters())
    template = models.template

    def whole():
        with steps.autocast():
            return parent.loss(batch.inputs, copy.deepcopy(batch.samples))

    def shallow():
        with steps.autocast():
            return template.blocker.splitter.forward_shallow(
                template.backbone, batch.inputs)

    out = dict(
        activations_mib=saved_mib(whole, exclude),
        shallow_activations_mib=saved_mib(shallow,
                                          list(template.parameters())))
    task = progress.add_task('memory', total=1 + len(models.twins))
    progress.update(task, description='memory: full data')
    out['full'] = step_peak_mib(
        cfg, batch, options.device, parent=True, amp=options.amp)
    for (p, mode), twin in models.twins.items():
        progress.update(
            task, advance=1, description=f'memory: PFB p={p:.2f} {mode}')
        # a fresh 'auto' model has not measured yet: step in the mode the
        # timed twin chose
        resolved = twin.blocker.resolve_shallow_grad() or mode
        out[(p, mode)] = step_peak_mib(
            cfg,
            batch,
            options.device,
            dict(prune_ratio=p, shallow_grad=resolved),
            amp=options.amp)
    progress.update(task, advance=1, description='memory: done')
    return out


def _memory_row(memory: dict, p: float, mode: str, resolved: str,
                n: int) -> dict:
    peak = memory[(p, mode)]
    saved = memory['full']['peak_mib'] - peak['peak_mib']
    pruned = 1 - peak['keep_num'] / n
    deep = memory['activations_mib'] - memory['shallow_activations_mib']
    expected = pruned * (
        memory['activations_mib'] if resolved == 'recompute' else deep)
    return dict(
        peak_mib=peak['peak_mib'],
        memory_keep_num=peak['keep_num'],
        memory_saving_mib=saved,
        expected_memory_saving_mib=expected,
        memory_saving_share=saved /
        memory['full']['peak_mib'] if memory['full']['peak_mib'] > 0 else None)


def _let_auto_choose(models: BenchModels, steps: _Steps,
                     progress: Progress) -> None:
    """Train each ``'auto'`` twin alone, one iteration after the other as
    in training, until it has timed both modes and chosen one.

    In the timed rounds a twin's consecutive steps are a whole round
    apart, so the tuner would time the round instead of the iteration.
    """
    autos = [(p, twin) for (p, mode), twin in models.twins.items()
             if mode == 'auto']
    if not autos:
        return
    trials = autos[0][1].blocker.shallow_grad_tuner.trials
    task = progress.add_task(
        'auto: timing both modes', total=len(autos) * (2 * trials + 1))
    for p, twin in autos:
        step = steps.train(twin, steps.batch_size)
        for _ in range(2 * trials + 1):
            step()
            progress.update(
                task, advance=1, description=f'auto: timing p={p:.2f}')
        if twin.blocker.resolve_shallow_grad() is None:
            raise RuntimeError(
                f'shallow_grad="auto" at prune_ratio={p} did not choose a '
                f'mode within {2 * trials + 1} iterations')


@dataclass
class _WholeBatchTimes:
    """Median seconds of the parent's iteration and of the shallow part.

    Attributes:
        full (dict[int, float]): ``T_full(k)`` per batch size ``k``.
        shallow_forward (dict[int, float]): The shallow forward pass
            without autograd per batch size.
        shallow_forward_grad (float): The shallow forward pass over all
            N with autograd.
        shallow_backward (float): The shallow backward pass over all N:
            forward and backward less the forward with autograd (at
            least 0).
    """
    full: Dict[int, float]
    shallow_forward: Dict[int, float]
    shallow_forward_grad: float
    shallow_backward: float

    @classmethod
    def from_measured(cls, measured: dict, sizes: List[int],
                      n: int) -> '_WholeBatchTimes':
        """Read them from :func:`time_round_robin`'s result."""
        forward_grad = measured[('shallow forward, autograd', n)]['seconds']
        return cls(
            full={k: measured[('full', k)]['seconds']
                  for k in sizes},
            shallow_forward={
                k: measured[('shallow forward', k)]['seconds']
                for k in sizes
            },
            shallow_forward_grad=forward_grad,
            shallow_backward=max(
                measured[('shallow forward+backward', n)]['seconds'] -
                forward_grad, 0.0))


def _batch_sizes(ratios: Sequence[float], n: int) -> List[int]:
    """N and the whole batch sizes around each ``(1 - p) N``."""
    return sorted({
        k
        for p in ratios
        for k in (math.floor((1 - p) * n), math.ceil((1 - p) * n)) if k > 0
    } | {n})


def _timed_calls(models: BenchModels, steps: _Steps, options: BenchmarkOptions,
                 sizes: List[int],
                 n: int) -> Tuple[Dict[tuple, Callable], Dict[tuple, list]]:
    """The callables to time, by name, and the (initially empty) lists
    into which each PFB twin logs its iterations."""
    fns = {}
    for k in sizes:
        fns[('full', k)] = steps.train(models.parent, k)
        fns[('shallow forward', k)] = steps.shallow(k, False, False)
    fns[('shallow forward, autograd', n)] = steps.shallow(n, True, False)
    fns[('shallow forward+backward', n)] = steps.shallow(n, True, True)
    logs = {}
    for p in options.ratios:
        for mode in options.modes:
            logs[(p, mode)] = []
            fns[(p, mode)] = steps.train(models.twins[(p, mode)], n,
                                         logs[(p, mode)])
        fns[('scoring', p)] = steps.scoring(p)
    return fns, logs


def _measure(cfg: Config, models: BenchModels, steps: _Steps,
             options: BenchmarkOptions,
             fns: Dict[tuple, Callable]) -> Tuple[dict, Optional[dict]]:
    """Let ``'auto'`` twins choose, time ``fns`` round-robin and, with
    ``options.memory``, weigh the peak memory, showing the progress."""
    with _progress() as progress:
        _let_auto_choose(models, steps, progress)
        total = (options.warmup + options.repeat) * len(fns)
        task = progress.add_task('timing', total=total)

        def on_call(name):
            progress.update(
                task, advance=1, description=f'timing {_label(name)}')

        measured = time_round_robin(
            fns,
            options.warmup,
            options.repeat,
            torch.device(options.device),
            before_round=steps.select,
            on_call=on_call)
        memory = _memory(cfg, models, steps, options,
                         progress) if options.memory else None
    return measured, memory


def _pfb_row(p: float, mode: str, blocker: nn.Module, timing: dict, log: list,
             t_full: float, bounds: Tuple[float, float], score: float) -> dict:
    """The timing row of PFB at ratio ``p`` in ``mode``.

    Args:
        p (float): The prune ratio.
        mode (str): The ``shallow_grad`` mode.
        blocker (nn.Module): The twin's blocker.
        timing (dict): The twin's median seconds and spread.
        log (list): The log variables of the twin's timed iterations.
        t_full (float): ``T_full(N)``.
        bounds (tuple[float, float]): The ideal and achievable seconds.
        score (float): Seconds of the scoring at ``p``.
    """
    ideal, achievable = bounds
    t_pfb = timing['seconds']
    saving = t_full - t_pfb
    row = dict(
        ratio=p,
        mode=mode,
        resolved_mode=blocker.resolve_shallow_grad(),
        seconds=t_pfb,
        spread=timing['spread'],
        mean_keep=statistics.mean(float(v['pfb_keep_num']) for v in log),
        ideal_seconds=ideal,
        achievable_seconds=achievable,
        saving=saving / t_full,
        ideal_share=saving / (t_full - ideal),
        achievable_share=saving / (t_full - achievable),
        score_seconds=score,
        score_share=score / t_pfb,
        logged_score_seconds=statistics.mean(
            float(v['pfb_score_time']) for v in log))
    if mode == 'auto':
        # what the tuner measured, one iteration after the other
        row['auto_medians'] = blocker.shallow_grad_tuner.medians
    return row


def _rows(models: BenchModels, options: BenchmarkOptions, measured: dict,
          times: _WholeBatchTimes, logs: Dict[tuple, list],
          memory: Optional[dict], n: int) -> List[dict]:
    """One row per ratio and mode: time, bounds, shares (and memory)."""
    rows = []
    for p in options.ratios:
        ideal = ideal_seconds(times.full, times.shallow_forward, n, p)
        achievable = achievable_seconds(ideal, times.shallow_forward[n],
                                        times.shallow_backward, p)
        score = measured[('scoring', p)]['seconds']
        for mode in options.modes:
            blocker = models.twins[(p, mode)].blocker
            # only the timed calls: the warm-up ones come first
            row = _pfb_row(p, mode, blocker, measured[(p, mode)],
                           logs[(p, mode)][options.warmup:], times.full[n],
                           (ideal, achievable), score)
            if memory is not None:
                row.update(
                    _memory_row(memory, p, mode, row['resolved_mode'], n))
            rows.append(row)
    return rows


def _result(cfg: Config, options: BenchmarkOptions, batches: List[Batch],
            n: int, measured: dict, times: _WholeBatchTimes,
            memory: Optional[dict], rows: List[dict]) -> dict:
    """The settings, the whole-batch figures and the rows."""
    inputs = batches[0].inputs
    result = dict(
        config=cfg.filename,
        date=datetime.date.today().isoformat(),
        device=options.device,
        amp=options.amp,
        machine=machine_description(options.device),
        threads=torch.get_num_threads(),
        data=(f'{len(batches)} real batches'
              if options.real_data else 'synthetic'),
        batch_size=n,
        input_shape=list(inputs.shape[1:]),
        crop=list(inputs.shape[2:]),
        warmup=options.warmup,
        repeat=options.repeat,
        full_seconds=times.full[n],
        full_spread=measured[('full', n)]['spread'],
        shallow_forward_seconds=times.shallow_forward[n],
        shallow_forward_grad_seconds=times.shallow_forward_grad,
        shallow_backward_seconds=times.shallow_backward,
        rows=rows)
    if memory is not None:
        result.update(
            full_peak_mib=memory['full']['peak_mib'],
            activations_mib=memory['activations_mib'],
            shallow_activations_mib=memory['shallow_activations_mib'])
    return result


def run_benchmark(cfg: Config, options: BenchmarkOptions) -> dict:
    """Benchmark the PFB model of ``cfg``; see ``docs/speed.md``.

    For the parent (no pruning) and for PFB at each ratio and mode, whole
    training iterations (forward, backward, optimizer step) are timed:
    warm-up rounds, then the median of repeated rounds (see
    :func:`time_round_robin`). Per ratio ``p`` with ``K = (1 - p) N`` the
    rows give the ideal and achievable bounds
    (:mod:`~mmpfb.experiments.benchmark.saving_bounds`), the share of each
    saving that PFB achieves, ``(T_full(N) - T_pfb) / (T_full(N) -
    T_bound)``, the scoring's share of the iteration (timed on its own,
    synchronised) and, with ``options.memory``, the peak memory of one
    step and its saving against the expected one: the pruned share of
    the activations after the block (``reuse``) or of all activations
    (``recompute``).

    ``T_full`` at a fractional ``K`` is interpolated between the whole
    batch sizes around it; PFB then keeps either of them from one
    iteration to the next, so the median is exact only where
    ``(1 - p) N`` is whole (N = 10 makes it whole for the default
    ratios).

    Args:
        cfg (Config): A config whose model has a ``pfb`` dict.
        options (BenchmarkOptions): What to measure.

    Returns:
        dict: The settings, the whole-batch figures and one row per ratio
        and mode; see ``docs/speed.md`` for the keys.
    """
    from mmpfb.utils import register_all_modules
    register_all_modules()
    device = torch.device(options.device)
    torch.manual_seed(0)
    models = BenchModels(cfg, tuple(options.ratios), tuple(options.modes),
                         device)
    shape = None if options.real_data else input_shape_from_config(
        cfg, options.crop, options.channels)
    batches = _batches(cfg, models, options, shape, device)
    n = min(b.inputs.size(0) for b in batches)
    steps = _Steps(models, batches, n, options.amp)
    models.fill_estimator(*batches[0].head(n))
    sizes = _batch_sizes(options.ratios, n)
    fns, logs = _timed_calls(models, steps, options, sizes, n)
    measured, memory = _measure(cfg, models, steps, options, fns)
    times = _WholeBatchTimes.from_measured(measured, sizes, n)
    rows = _rows(models, options, measured, times, logs, memory, n)
    return _result(cfg, options, batches, n, measured, times, memory, rows)


def machine_description(device: str) -> str:
    """The GPU's name, or the CPU's core count and the torch version."""
    if device == 'cuda':
        return f'{torch.cuda.get_device_name()}, torch {torch.__version__}'
    return f'{os.cpu_count()}-core CPU, torch {torch.__version__}'
