# Copyright (c) mmpfb contributors. All rights reserved.
"""With ``amp`` every measurement that stands for part of the training
step runs under the step's autocast: fp16 on CUDA, else bf16 on the CPU
(the tool allows amp on CUDA only; these call its parts directly)."""
import importlib
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

pytest.importorskip('mmseg')

from mmengine.config import Config
from mmengine.optim.optimizer import amp_optimizer_wrapper
from rich.progress import Progress

from mmpfb.experiments.benchmark import (BenchmarkOptions, BenchModels,
                                         InputShape, synthetic_batch)
from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg
from mmpfb.utils import register_all_modules

# the module: the package exports its function under the same name
run_benchmark = importlib.import_module(
    'mmpfb.experiments.benchmark.run_benchmark')
N = 4
DEVICE = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
AMP_DTYPE = torch.float16 if DEVICE.type == 'cuda' else torch.bfloat16


@pytest.fixture(scope='module')
def models_and_batch():
    register_all_modules()
    cfg = Config(
        dict(
            model=tiny_segmentor_cfg(pfb=dict(block_stage=1, num_centroids=4)),
            default_scope='mmseg'))
    torch.manual_seed(0)
    models = BenchModels(cfg, (0.5, ), ('reuse', ), DEVICE)
    batch = synthetic_batch(models.parent, InputShape(3, 32, 32), N, DEVICE)
    models.fill_estimator(*batch)
    return cfg, models, batch


@pytest.fixture
def conv_dtypes(models_and_batch):
    """A list that every convolution of every model appends its output
    dtype to."""
    models = models_and_batch[1]
    dtypes = []
    handles = [
        module.register_forward_hook(
            lambda module, args, out: dtypes.append(out.dtype))
        for model in (models.parent, models.template, *models.twins.values())
        for module in model.modules() if isinstance(module, nn.Conv2d)
    ]
    yield dtypes
    for handle in handles:
        handle.remove()


def test_amp_times_every_part_of_the_step_under_its_autocast(
        models_and_batch, conv_dtypes, monkeypatch):
    if DEVICE.type == 'cpu':
        # AmpOptimWrapper refuses to be built without an accelerator; the
        # step's autocast then runs on the CPU in bfloat16
        monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available',
                            lambda: True)
    _, models, batch = models_and_batch
    dtypes = conv_dtypes
    steps = run_benchmark._Steps(models, [batch], N, True)
    options = BenchmarkOptions(ratios=(0.5, ), modes=('reuse', ))
    sizes = run_benchmark._batch_sizes(options.ratios, N)
    # building the scoring call runs the shallow part for its feature
    fns, _ = run_benchmark._timed_calls(models, steps, options, sizes, N)
    assert dtypes and set(dtypes) == {AMP_DTYPE}
    for name, fn in fns.items():
        dtypes.clear()
        fn()
        if name[0] != 'scoring':
            assert dtypes and set(dtypes) == {AMP_DTYPE}, name


def test_amp_counts_the_activations_in_half_precision(models_and_batch,
                                                      monkeypatch):
    cfg, models, batch = models_and_batch
    # the peak memory runs in fresh processes; only the counts matter here
    monkeypatch.setattr(run_benchmark, 'step_peak_mib',
                        lambda *args, **kwargs: None)
    memory = {}
    for amp in (False, True):
        steps = run_benchmark._Steps(models, [batch], N, amp)
        options = SimpleNamespace(device=DEVICE.type, amp=amp)
        memory[amp] = run_benchmark._memory(cfg, models, steps, options,
                                            Progress())
    # 16-bit activations are half the bytes of float32 ones; the shallow
    # part has no float32 loss, and autocast's copies of the weights are
    # not activations
    assert 0.45 < (memory[True]['shallow_activations_mib'] /
                   memory[False]['shallow_activations_mib']) < 0.6
    assert memory[True]['activations_mib'] < \
        0.8 * memory[False]['activations_mib']
