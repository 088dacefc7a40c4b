# Copyright (c) mmpfb contributors. All rights reserved.
import importlib
from concurrent.futures import Future

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.config import Config

from mmpfb.experiments.benchmark import (Batch, InputShape, build_model,
                                         saved_mib, step_peak_mib,
                                         synthetic_batch)
from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg

peak_memory = importlib.import_module(
    'mmpfb.experiments.benchmark.peak_memory')


def tiny_cfg() -> Config:
    return Config(
        dict(
            model=tiny_segmentor_cfg(pfb=dict(block_stage=1, num_centroids=4)),
            default_scope='mmseg'))


def test_pruning_lowers_the_peak_by_about_the_pruned_activations():
    cfg = tiny_cfg()
    parent = build_model(cfg, parent=True)
    batch = synthetic_batch(parent, InputShape(3, 128, 128), 8,
                            torch.device('cpu'))
    # the reference: what autograd saves over the whole batch
    activations = saved_mib(lambda: parent.loss(batch.inputs, batch.samples),
                            parent.parameters())
    full = step_peak_mib(cfg, batch, 'cpu', parent=True)
    pfb = step_peak_mib(cfg, batch, 'cpu',
                        dict(prune_ratio=0.75, shallow_grad='recompute'))
    assert full['keep_num'] == 8 and pfb['keep_num'] == 2
    assert full['peak_mib'] >= activations
    # recompute keeps the activations of 2 of 8 samples
    saving = full['peak_mib'] - pfb['peak_mib']
    assert 0.5 * 0.75 * activations < saving < 1.5 * 0.75 * activations


class RecordingPool:
    """Stands in for the process pool: records how its processes would
    start and runs nothing."""
    start_methods = []

    def __init__(self, max_workers, mp_context):
        self.start_methods.append(mp_context.get_start_method())

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def submit(self, fn, *args):
        future = Future()
        future.set_result(dict(peak_mib=0.0, keep_num=2.0))
        return future


def test_cuda_measurements_run_in_spawned_processes(monkeypatch):
    # a forked process cannot use CUDA once its parent (or the
    # forkserver's preloaded imports) has initialised it
    monkeypatch.setattr(peak_memory, 'ProcessPoolExecutor', RecordingPool)
    monkeypatch.setattr(RecordingPool, 'start_methods', [])
    batch = Batch(torch.zeros(2, 3, 8, 8), [])
    step_peak_mib(tiny_cfg(), batch, 'cuda', parent=True)
    step_peak_mib(tiny_cfg(), batch, 'cuda', amp=True)
    assert RecordingPool.start_methods == ['spawn', 'spawn']


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA device')
@pytest.mark.parametrize('amp', [False, True])
def test_peak_on_cuda(amp):
    cfg = tiny_cfg()
    torch.cuda.init()  # the parent has initialised CUDA, as the tool has
    batch = synthetic_batch(
        build_model(cfg, parent=True), InputShape(3, 64, 64), 4,
        torch.device('cuda'))
    full = step_peak_mib(cfg, batch, 'cuda', parent=True, amp=amp)
    pfb = step_peak_mib(
        cfg,
        batch,
        'cuda',
        dict(prune_ratio=0.5, shallow_grad='recompute'),
        amp=amp)
    assert full['keep_num'] == 4 and pfb['keep_num'] == 2
    assert full['peak_mib'] > 0 and pfb['peak_mib'] > 0
