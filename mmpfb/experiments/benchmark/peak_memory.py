# Copyright (c) mmpfb contributors. All rights reserved.
"""Peak memory of one training iteration, each in a fresh process.

On the CPU the figure is the rise of the process's resident high-water
mark (``VmHWM`` in ``/proc/self/status``, reset just before the step
through ``/proc/self/clear_refs``) over the resident size before it.
Without ``/proc`` (not Linux) the high-water mark cannot be reset and
``resource.getrusage``'s ``ru_maxrss`` is used instead: a lower bound,
since the mark then also holds what the process touched before the step.
On CUDA it is ``torch.cuda.max_memory_allocated`` over the step less the
memory allocated before it. Each measurement runs in a fresh process,
so the memory allocator holds nothing freed by earlier steps: on the CPU
forked from a clean server (``forkserver``), on CUDA spawned (a fork
cannot use CUDA once its parent has initialised it). The figures include
what the first step allocates once (gradients), the same for every
model, so differences between modes are the activations.
"""
import multiprocessing
import os
import resource
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

import torch
from mmengine.config import Config

from .batches import Batch
from .bench_models import build_model
from .train_step import make_train_step

STATUS = '/proc/self/status'


def _status_mib(key: str) -> float:
    with open(STATUS) as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 2**10  # kB
    raise KeyError(f'{key} not in {STATUS}')


def _reset_peak_rss() -> float:
    """Reset the high-water mark if the OS can; return the resident MiB
    the step's peak is measured against."""
    if os.path.exists(STATUS):
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return _status_mib('VmRSS')
    return _max_rss_mib()


def _peak_rss_mib() -> float:
    if os.path.exists(STATUS):
        return _status_mib('VmHWM')
    return _max_rss_mib()


def _max_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kibibytes on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == 'darwin' else peak / 2**10


def _step_peak(cfg: Config, pfb_options: dict, parent: bool, batch: Batch,
               device: str, threads: int, amp: bool) -> dict:
    """One training step's peak MiB; runs in the fresh process."""
    torch.set_num_threads(threads)
    device = torch.device(device)
    torch.manual_seed(0)
    model = build_model(cfg, pfb_options, parent).to(device)
    if not parent:
        # the estimator must be ready for pruning; its values do not
        # change the memory, only the kept count does
        estimator = model.blocker.estimator
        model.blocker.learn(
            torch.randn(
                estimator.num_centroids, estimator.feat_dim, device=device))
    step = make_train_step(model, amp)
    inputs = batch.inputs.to(device)
    samples = [s.to(device) for s in batch.samples]
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
    else:
        before = _reset_peak_rss()
    log_vars = step(inputs, samples)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        peak = (torch.cuda.max_memory_allocated(device) - before) / 2**20
    else:
        peak = _peak_rss_mib() - before
    keep = log_vars.get('pfb_keep_num', float(inputs.size(0)))
    return dict(peak_mib=peak, keep_num=float(keep))


def _fresh_process_context(device: str) -> BaseContext:
    """How the process of a measurement starts: spawned on CUDA, since a
    process forked from one that has initialised CUDA (the forkserver's
    preloaded imports may) cannot use it; on the CPU forked from a server
    that imported the models once, seconds faster per measurement."""
    if torch.device(device).type == 'cuda':
        return multiprocessing.get_context('spawn')
    context = multiprocessing.get_context('forkserver')
    context.set_forkserver_preload(
        ['mmpfb.experiments.benchmark', 'mmpfb.models'])
    return context


def step_peak_mib(cfg: Config,
                  batch: Batch,
                  device: str,
                  pfb_options: dict = None,
                  parent: bool = False,
                  amp: bool = False) -> dict:
    """Peak memory of one training step of a model built from ``cfg``,
    measured in a fresh process.

    Args:
        cfg (Config): A config whose model has a ``pfb`` dict.
        batch (Batch): The batch to train on.
        device (str): ``'cpu'`` or ``'cuda'``.
        pfb_options (dict, optional): Overrides of ``model.pfb``
            (ratio, mode). Defaults to None.
        parent (bool): Measure the host parent model instead.
            Defaults to False.
        amp (bool): Mixed precision (see :func:`make_train_step`).
            Defaults to False.

    Returns:
        dict: ``peak_mib`` (the step's rise, MiB) and ``keep_num`` (the
        samples that went through the deep part).
    """
    with ProcessPoolExecutor(
            1, mp_context=_fresh_process_context(device)) as pool:
        return pool.submit(
            _step_peak, cfg, pfb_options, parent,
            Batch(batch.inputs.cpu(), [s.cpu() for s in batch.samples]),
            device, torch.get_num_threads(), amp).result()
