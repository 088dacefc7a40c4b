# Copyright (c) mmpfb contributors. All rights reserved.
"""Mixed precision: under autocast, with every ``shallow_grad`` mode, each
trainable parameter gets the gradient the parent model gets when it is
trained on the kept samples alone, through ``loss()`` and through
``train_step`` with MMEngine's ``AmpOptimWrapper``.

torch releases without the fix of pytorch#158232 (torch 2.1 among them)
cache autocast's weight casts made under ``no_grad``; ``recompute``'s
scoring pass then left the shallow weights without any gradient.
"""
import copy
import warnings
from unittest import mock

import pytest
import torch
from mmengine.registry import DefaultScope

from mmpfb.experiments.testing.classification import (tiny_classifier_cfg,
                                                      tiny_cls_batch)
from mmpfb.experiments.testing.segmentation import (tiny_seg_batch,
                                                    tiny_segmentor_cfg)
from ..test_segmentors.segmentor_checks import fix_random_layers

BATCH = 8
PFB = dict(prune_ratio=0.5, num_centroids=4, feat_dim=4, auto_trials=1)


def cpu_autocast_takes(dtype: torch.dtype) -> bool:
    """Whether this torch's CPU autocast computes in ``dtype`` (torch 2.1
    takes bfloat16 only: it warns and switches itself off, or raises)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            with torch.autocast('cpu', dtype=dtype):
                return (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == dtype
        except RuntimeError:
            return False


def cuda_param(dtype):
    return pytest.param(
        'cuda',
        dtype,
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason='needs a CUDA device'),
        id=f'cuda-{str(dtype)[6:]}')


PRECISIONS = [
    pytest.param('cpu', torch.bfloat16, id='cpu-bfloat16'),
    pytest.param(
        'cpu',
        torch.float16,
        marks=pytest.mark.skipif(
            not cpu_autocast_takes(torch.float16),
            reason="this torch's CPU autocast has no float16"),
        id='cpu-float16'),
    cuda_param(torch.float16),
    cuda_param(torch.bfloat16),
]


def seg_cfg_for_train_step(cfg: dict) -> dict:
    """A segmentor whose data preprocessor stacks a training batch
    without padding (it needs a size or a divisor)."""
    cfg['data_preprocessor']['size_divisor'] = 1
    return cfg


HOSTS = dict(
    classifier=dict(
        library='mmpretrain',
        cfg=lambda pfb=None: tiny_classifier_cfg(pfb=pfb),
        batch=tiny_cls_batch,
        block_stage=1),
    segmentor=dict(
        library='mmseg',
        cfg=lambda pfb=None: seg_cfg_for_train_step(
            tiny_segmentor_cfg(pfb=pfb)),
        batch=tiny_seg_batch,
        block_stage=2))


def build_pair(host: str, mode: str, device: str):
    """The host's parent model and its PFB twin on the same weights, on
    ``device``, with norm layers and dropout fixed so that a forward on
    the kept rows equals those rows of a forward on all."""
    spec = HOSTS[host]
    pytest.importorskip(spec['library'])
    registry = pytest.importorskip(f'{spec["library"]}.registry')
    with DefaultScope.overwrite_default_scope(spec['library']):
        torch.manual_seed(0)
        parent = registry.MODELS.build(spec['cfg']())
        pfb = dict(PFB, block_stage=spec['block_stage'], shallow_grad=mode)
        model = registry.MODELS.build(spec['cfg'](pfb))
    model.load_state_dict(parent.state_dict(), strict=False)
    pair = [fix_random_layers(m.train().to(device)) for m in (parent, model)]
    return pair, spec['batch']


def batch_on(batch_fn, seed: int, device: str, rows=None):
    inputs, samples = batch_fn(BATCH, seed=seed)
    if rows is not None:
        inputs, samples = inputs[rows], [samples[i] for i in rows]
    return inputs.to(device), [s.to(device) for s in samples]


def loss_grads(model, inputs, samples, device, dtype):
    """Gradients of one ``loss()`` and backward under autocast."""
    model.zero_grad()
    with torch.autocast(device, dtype=dtype):
        losses = model.loss(inputs, copy.deepcopy(samples))
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    return {n: p.grad for n, p in model.named_parameters()}


def train_step_grads(model, inputs, samples, device, dtype):
    """Gradients that one ``train_step`` hands MMEngine's
    ``AmpOptimWrapper`` to step with (the step itself is skipped, so
    both models keep the same weights)."""
    from mmengine.optim import AmpOptimWrapper
    from mmengine.optim.optimizer import amp_optimizer_wrapper

    # AmpOptimWrapper refuses to be built without an accelerator; its
    # autocast then runs on the CPU
    with mock.patch.object(amp_optimizer_wrapper, 'is_cuda_available',
                           lambda: True):
        wrapper = AmpOptimWrapper(
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), dtype=dtype)
    grads = {}

    def step(**kwargs):
        grads.update({
            n: None if p.grad is None else p.grad.clone()
            for n, p in model.named_parameters()
        })

    wrapper.step = step
    model.zero_grad()
    model.train_step(
        dict(inputs=list(inputs), data_samples=copy.deepcopy(samples)),
        wrapper)
    return grads


def assert_grads_close(got: dict, ref: dict, shallow: set) -> None:
    """Every parameter with a reference gradient has one close to it (a
    bf16/fp16 tolerance); the shallow ones must have one."""
    assert shallow <= {n for n, g in ref.items() if g is not None}
    for name, ref_grad in ref.items():
        if ref_grad is None:
            continue
        assert got[name] is not None, f'{name} got no gradient'
        scale = ref_grad.abs().max().clamp(min=1e-6)
        torch.testing.assert_close(
            got[name] / scale,
            ref_grad / scale,
            rtol=0,
            atol=0.05,
            msg=lambda m: f'{name}: {m}')


@pytest.mark.parametrize(
    'run', [loss_grads, train_step_grads], ids=['loss', 'train_step'])
@pytest.mark.parametrize('mode', ['reuse', 'recompute', 'auto'])
@pytest.mark.parametrize('host', list(HOSTS))
@pytest.mark.parametrize('device,dtype', PRECISIONS)
def test_gradients_equal_the_parents_on_the_kept_samples(
        device, dtype, host, mode, run):
    if run is train_step_grads and device == 'cpu' and \
            dtype != torch.bfloat16:
        pytest.skip("MMEngine's CPU autocast takes bfloat16 only")
    (parent, model), batch_fn = build_pair(host, mode, device)
    trained = {
        id(p)
        for m in model.blocker.splitter.shallow_modules(model.backbone)
        for p in m.parameters() if p.requires_grad
    }
    shallow = {n for n, p in model.named_parameters() if id(p) in trained}
    assert shallow
    model.loss(*batch_on(batch_fn, 0, device))  # fills the centroids
    modes = set()
    # 'auto' (one trial each) times reuse, then recompute, then decides
    for seed in (1, 2, 3) if mode == 'auto' else (1, ):
        inputs, samples = batch_on(batch_fn, seed, device)
        got = run(model, inputs, samples, device, dtype)
        keep = model.last_keep_index
        assert keep is not None and len(keep) < BATCH
        modes.add(model.blocker.shallow_grad_tuner.mode if mode ==
                  'auto' else mode)
        ref = run(parent, *batch_on(batch_fn, seed, device, keep), device,
                  dtype)
        assert_grads_close(got, ref, shallow)
    assert modes == ({'reuse', 'recompute'} if mode == 'auto' else {mode})
