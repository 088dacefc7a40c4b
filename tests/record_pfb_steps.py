# Copyright (c) mmpfb contributors. All rights reserved.
"""Record PFB training steps over an option grid, and compare two records.

A check that a refactor of the training step leaves its behaviour bit for
bit unchanged: record the old tree and the new tree on the same torch
stack, then compare the two files.

.. code:: text

    PYTHONPATH=<tree> python tests/record_pfb_steps.py record --out FILE \\
        [--world-size 1|2] [--resume-from FILE_OF_OTHER_TREE] [--only S]
    python tests/record_pfb_steps.py compare A B [--rename OLD=NEW ...]

``record`` builds, for every combination of the grid (:func:`grid`), a
tiny ``mmpfb.PFBImageClassifier`` or ``mmpfb.PFBEncoderDecoder`` through
the registry with fixed seeds and runs :data:`STEPS` training steps
(``train_step`` with an SGD ``OptimWrapper``) on fixed generated batches;
the estimator fills in the first step and prunes from the second on. Per
step it records the data set indices of the samples each head's ``loss``
receives (and the loss weights it gets), the logged losses, every
parameter's gradient as the optimizer sees it, ``last_keep_index`` and
``pruning_summary()`` (without its timings); after the run the model's
``state_dict`` and ``torch.get_rng_state()``. The ``state_dict`` after
:data:`MID` steps is kept too: a second pass builds a fresh model, loads
it, restores torch's RNG state of then and runs the remaining steps
("resume"). With ``--resume-from`` only that second pass runs, from the
mid-run ``state_dict``s of another tree's file: ``compare OTHER THIS``
then checks that a checkpoint of the other tree resumes here exactly as
it did there, and as the other tree's continuous run went on.

Only public API is used (registry, ``train_step``, ``state_dict``,
``load_state_dict``, ``pruning_summary``, ``last_keep_index``, the heads'
``loss``), so the script records older and newer trees alike: the
package is imported from ``PYTHONPATH``.

Large tensors (gradients, ``state_dict`` entries) are stored as a SHA-256
of their bytes with dtype, shape, sum and largest magnitude; small ones
(losses, loss weights, the RNG state) and the mid-run ``state_dict`` of
rank 0 (the checkpoint to resume from) in full. ``compare`` compares
every tensor bitwise (dtype and shape too; NaN equals the same NaN) and
every other value exactly, prints the first mismatches of each
combination and a summary line, and exits with 1 on any mismatch.

A step whose gradients are not all finite (the non-finite batch) is not
applied by the recording optimizer wrapper, as a loss scaler would skip
it, so the steps after it still train. ``shallow_grad='auto'`` runs with
``auto_trials=STEPS``: the tuner alternates the modes on its schedule and
never reaches its choice, which depends on measured times. With two
ranks (spawned gloo processes, different data per rank) the model is
wrapped in ``MMDistributedDataParallel`` as MMEngine's Runner wraps a CPU
model (``broadcast_buffers=False``), every rank resumes from rank 0's
``state_dict``, and rank 0 writes both ranks' records; so another rank's
BatchNorm running statistics are left out when its resume pass is held
against its continuous run (they were its own).

``compare --rename OLD=NEW`` replaces OLD by NEW in A's ``state_dict``
and gradient keys (for buffers a refactor moved). ``record --only S``
records the combinations whose name (e.g.
``cls/density/reuse/cq0/lm1/ln0/nf1``) contains S. ``record`` also
prints whether each combination's resume pass went on exactly as its
continuous run (information; ``compare`` decides).
"""
import argparse
import hashlib
import math
import os
import random
import struct
import sys
import tempfile
import time
from itertools import product
from pathlib import Path

import numpy as np
import torch

BATCH = 8
STEPS = 6
#: Steps run before the ``state_dict`` that the resume pass loads.
MID = STEPS // 2
#: The step whose batch (rank 0's with two ranks) has an inf and a NaN.
NON_FINITE_STEP = 4
SEED = 0
CLS_CLASSES = 3
SEG_CLASSES = 4
CLS_SIZE = 16
SEG_SIZE = 32
#: Tensors with at most this many elements are stored in full.
FULL_NUMEL = 64
FORMAT = 1
#: Parts of a record whose keys are state_dict or parameter names.
STATE_PARTS = ('final_state', 'mid_state', 'grads')
NORM_STATS = ('running_mean', 'running_var')

# ----------------------------------------------------------------------
# the grid
#: The options of a combination and their values.
AXES = dict(
    host=('cls', 'seg'),
    criterion=('density', 'random', 'typical', 'sampled'),
    shallow_grad=('reuse', 'recompute', 'auto'),
    class_quota=(False, True),
    loss_memory_weight=(0.0, 1.0),
    log_noise=(0.0, 0.5),
    non_finite=(False, True))


def combo_name(c: dict) -> str:
    return (f"{c['host']}/{c['criterion']}/{c['shallow_grad']}"
            f"/cq{int(c['class_quota'])}/lm{c['loss_memory_weight']:g}"
            f"/ln{c['log_noise']:g}/nf{int(c['non_finite'])}")


def refusal(c: dict):
    """Why the model must refuse ``c`` at build (a ValueError), or None."""
    if c['class_quota'] and c['criterion'] == 'sampled':
        return 'class_quota with sampled'
    if c['loss_memory_weight'] > 0 and c['criterion'] != 'density':
        return 'loss memory without density'
    if c['host'] == 'seg' and c['criterion'] == 'sampled':
        return 'sampled on a segmentor (no loss weights)'
    return None


def grid(world_size: int) -> list:
    """The combinations to record, and a few the model must refuse.

    One rank: every valid combination of criterion x shallow_grad x
    class_quota x loss_memory_weight (density only) x log_noise (density
    only) x non-finite batch, for both hosts. Two ranks: density, random
    and sampled x reuse and recompute x class_quota, plus the loss
    memory, log_noise, auto and the non-finite batch on density.
    """
    combos = []
    for values in product(*AXES.values()):
        c = dict(zip(AXES, values))
        if c['log_noise'] > 0 and c['criterion'] != 'density':
            continue
        if world_size > 1 and not _in_distributed_subset(c):
            continue
        if refusal(c) is not None:
            continue
        combos.append(c)
    # the refusals: one of each kind
    refused = [
        dict(criterion='sampled', class_quota=True, loss_memory_weight=0.0),
        dict(criterion='random', class_quota=False, loss_memory_weight=1.0),
        dict(criterion='typical', class_quota=False, loss_memory_weight=1.0),
        dict(criterion='sampled', class_quota=False, loss_memory_weight=1.0),
    ]
    for host, extra in product(('cls', 'seg'), refused):
        c = dict(
            host=host,
            shallow_grad='reuse',
            log_noise=0.0,
            non_finite=False,
            **extra)
        if refusal(c) is not None and c not in combos:
            combos.append(c)
    seg_sampled = dict(
        host='seg',
        criterion='sampled',
        shallow_grad='reuse',
        class_quota=False,
        loss_memory_weight=0.0,
        log_noise=0.0,
        non_finite=False)
    if seg_sampled not in combos:
        combos.append(seg_sampled)
    return combos


def _in_distributed_subset(c: dict) -> bool:
    plain = (
        c['loss_memory_weight'] == 0 and c['log_noise'] == 0
        and not c['non_finite'])
    if c['criterion'] == 'typical':
        return False
    if c['shallow_grad'] == 'auto':
        return c['criterion'] == 'density' and plain and not c['class_quota']
    if plain:
        return True
    # the extras on density (and the non-finite batch on random), reuse
    if c['shallow_grad'] != 'reuse':
        return False
    extras = [c['loss_memory_weight'] > 0, c['log_noise'] > 0, c['non_finite']]
    if sum(extras) != 1:
        return False
    return c['criterion'] == 'density' or (c['criterion'] == 'random'
                                           and c['non_finite'])


# ----------------------------------------------------------------------
# models and data
def pfb_options(c: dict, world_size: int) -> dict:
    pfb = dict(
        block_stage=2,
        prune_ratio=0.5,
        num_centroids=4,
        feat_dim=4,
        seed=SEED,
        criterion=c['criterion'],
        shallow_grad=c['shallow_grad'],
        class_quota=c['class_quota'],
        log_noise=c['log_noise'])
    if c['shallow_grad'] == 'auto':
        # each mode timed STEPS times: the choice, which depends on the
        # measured times, is never made within the recorded steps, and
        # the modes alternate as the tuner schedules them
        pfb.update(auto_trials=STEPS)
    if c['loss_memory_weight'] > 0:
        pfb.update(
            loss_memory_weight=c['loss_memory_weight'],
            loss_memory_size=dataset_size(world_size))
    return pfb


def model_cfg(c: dict, world_size: int) -> dict:
    norm = dict(type='BN', requires_grad=True)
    pfb = pfb_options(c, world_size)
    if c['host'] == 'cls':
        return dict(
            type='mmpfb.PFBImageClassifier',
            pfb=pfb,
            data_preprocessor=dict(
                type='ClsDataPreprocessor',
                num_classes=CLS_CLASSES,
                mean=[128.0] * 3,
                std=[50.0] * 3,
                to_rgb=False),
            backbone=dict(
                type='ResNet_CIFAR',
                depth=18,
                base_channels=4,
                stem_channels=4,
                out_indices=(3, )),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=CLS_CLASSES,
                in_channels=32,
                loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
    common = dict(norm_cfg=norm, num_classes=SEG_CLASSES, align_corners=False)
    return dict(
        type='mmpfb.PFBEncoderDecoder',
        pfb=pfb,
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            size=(SEG_SIZE, SEG_SIZE),
            mean=[128.0] * 3,
            std=[50.0] * 3,
            bgr_to_rgb=False,
            pad_val=0,
            seg_pad_val=255),
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            stem_channels=4,
            base_channels=4,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=norm,
            contract_dilation=True),
        decode_head=dict(
            type='ASPPHead',
            in_channels=32,
            in_index=3,
            channels=8,
            dilations=(1, 2),
            dropout_ratio=0.1,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            **common),
        auxiliary_head=dict(
            type='FCNHead',
            in_channels=16,
            in_index=2,
            channels=4,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.1,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4),
            **common),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def seed_everything() -> None:
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)


def build_model(c: dict, world_size: int):
    """The model of ``c``, built with fixed seeds; a ValueError for a
    combination the model refuses."""
    from mmengine.registry import DefaultScope
    if c['host'] == 'cls':
        from mmpretrain.registry import MODELS
        scope = 'mmpretrain'
    else:
        from mmseg.registry import MODELS
        scope = 'mmseg'
    seed_everything()
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(model_cfg(c, world_size))
    return model.train()


def dataset_size(world_size: int) -> int:
    """Three steps make an epoch, so the loss memory sees samples
    again."""
    return 3 * BATCH * world_size


def batch_indices(step: int, rank: int, world_size: int) -> list:
    """The data set indices of a rank's batch at ``step``: each epoch a
    fixed permutation, split among the ranks."""
    size = dataset_size(world_size)
    epoch, start = divmod(step * BATCH * world_size, size)
    order = torch.randperm(
        size, generator=torch.Generator().manual_seed(1000 + epoch))
    start += rank * BATCH
    return order[start:start + BATCH].tolist()


def make_batch(host: str, step: int, rank: int, world_size: int,
               non_finite: bool) -> dict:
    """The data of a ``train_step``, made afresh (the data preprocessor
    writes into the data samples); each sample's ``sample_idx`` is its
    data set index."""
    images, samples = [], []
    for position, index in enumerate(batch_indices(step, rank, world_size)):
        gen = torch.Generator().manual_seed(10000 + index)
        if host == 'cls':
            label = int(torch.randint(CLS_CLASSES, (), generator=gen))
            image = 128 + 50 * torch.randn(
                3, CLS_SIZE, CLS_SIZE, generator=gen)
            image[label] += 30
            samples.append(_cls_sample(index, label))
        else:
            dominant = int(torch.randint(SEG_CLASSES, (), generator=gen))
            image = 128 + 50 * torch.randn(
                3, SEG_SIZE, SEG_SIZE, generator=gen)
            image[dominant % 3] += 20 * dominant
            samples.append(_seg_sample(index, dominant, gen))
        if non_finite and step == NON_FINITE_STEP and rank == 0:
            if position == 1:
                image[0, 0, 0] = math.inf
            if position == 5:
                image[1, 2, 3] = math.nan
        images.append(image)
    if host == 'cls':
        return dict(inputs=torch.stack(images), data_samples=samples)
    return dict(inputs=images, data_samples=samples)


def _cls_sample(index: int, label: int):
    from mmpretrain.structures import DataSample
    return DataSample(metainfo=dict(sample_idx=index)).set_gt_label(label)


def _seg_sample(index: int, dominant: int, gen: torch.Generator):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    shape = (SEG_SIZE, SEG_SIZE)
    label = torch.full((1, ) + shape, dominant, dtype=torch.long)
    noise = torch.rand((1, ) + shape, generator=gen)
    other = torch.randint(SEG_CLASSES, (1, ) + shape, generator=gen)
    label = torch.where(noise < 0.3, other, label)
    label[noise > 0.95] = 255
    sample = SegDataSample(
        metainfo=dict(
            sample_idx=index,
            img_shape=shape,
            pad_shape=shape,
            ori_shape=shape))
    sample.gt_sem_seg = PixelData(data=label)
    return sample


# ----------------------------------------------------------------------
# what is stored
def digest(tensor: torch.Tensor) -> dict:
    """SHA-256 of a tensor's bytes, with dtype, shape, sum and largest
    magnitude (the latter two only to describe a mismatch)."""
    t = tensor.detach().cpu().contiguous()
    raw = t.reshape(-1).view(torch.uint8) if t.numel() else t.new_empty(
        0, dtype=torch.uint8)
    out = dict(
        __digest__=hashlib.sha256(raw.numpy().tobytes()).hexdigest(),
        dtype=str(t.dtype),
        shape=list(t.shape))
    if t.is_floating_point() and t.numel():
        d = t.double()
        out.update(sum=float(d.sum()), absmax=float(d.abs().max()))
    return out


def freeze(tensor: torch.Tensor):
    """A small tensor in full, a large one as its :func:`digest`."""
    if tensor.numel() <= FULL_NUMEL:
        return tensor.detach().cpu().clone()
    return digest(tensor)


def freeze_dict(tensors: dict) -> dict:
    return {k: None if v is None else freeze(v) for k, v in tensors.items()}


def full_state(model) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def make_optim_wrapper(model):
    """An SGD ``OptimWrapper`` that records every parameter's gradient
    when it steps, and skips a step with non-finite gradients."""
    from mmengine.optim import OptimWrapper

    class RecordingOptimWrapper(OptimWrapper):

        def __init__(self, optimizer, named_params):
            super().__init__(optimizer)
            self.named_params = named_params
            self.grads = None
            self.skipped = None

        def step(self, **kwargs):
            grads = {n: p.grad for n, p in self.named_params}
            self.grads = freeze_dict(grads)
            self.skipped = not all(
                bool(torch.isfinite(g).all())
                for g in grads.values() if g is not None)
            if not self.skipped:
                super().step(**kwargs)

    named = list(model.named_parameters())
    optimizer = torch.optim.SGD([p for _, p in named], lr=0.05)
    return RecordingOptimWrapper(optimizer, named)


def spy_heads(model, host: str) -> list:
    """Wrap each head's ``loss`` to record the samples and loss weights it
    receives; returns the list the calls of a step go to."""
    calls = []
    if host == 'cls':
        heads = [('head', model.head)]
    else:
        heads = [('decode_head', model.decode_head)]
        aux = getattr(model, 'auxiliary_head', None)
        if isinstance(aux, torch.nn.ModuleList):
            heads += [(f'auxiliary_head.{i}', h) for i, h in enumerate(aux)]
        elif aux is not None:
            heads.append(('auxiliary_head', aux))
    for name, head in heads:
        original = head.loss

        def loss(*args, _original=original, _name=name, **kwargs):
            samples = args[1] if len(args) > 1 else kwargs.get(
                'data_samples', kwargs.get('batch_data_samples'))
            weight = kwargs.get('weight')
            calls.append(
                dict(
                    head=_name,
                    sample_idx=[s.metainfo['sample_idx'] for s in samples],
                    weight=None if weight is None else freeze(weight)))
            return _original(*args, **kwargs)

        head.loss = loss
    return calls


# ----------------------------------------------------------------------
# recording
class Session:
    """A model of one combination with its spies, its recording optimizer
    wrapper and, with two ranks, MMEngine's DDP wrapper (as its Runner
    wraps a CPU model; a checkpoint loads into the wrapped module)."""

    def __init__(self, c: dict, rank: int, world_size: int) -> None:
        self.c, self.rank, self.world_size = c, rank, world_size
        self.model = build_model(c, world_size)
        self.calls = spy_heads(self.model, c['host'])
        self.optim_wrapper = make_optim_wrapper(self.model)
        self.trainer = self.model
        if world_size > 1:
            from mmengine.model import MMDistributedDataParallel
            self.trainer = MMDistributedDataParallel(
                module=self.model,
                device_ids=None,
                broadcast_buffers=False,
                find_unused_parameters=False)

    def run(self, steps: range) -> list:
        """Run ``steps`` training steps; one record per step."""
        model, c = self.model, self.c
        records = []
        for step in steps:
            del self.calls[:]
            data = make_batch(c['host'], step, self.rank, self.world_size,
                              c['non_finite'])
            log_vars = self.trainer.train_step(data, self.optim_wrapper)
            summary = {
                k: float(v)
                for k, v in model.pruning_summary().items()
                if not k.endswith('_time')
            }
            keep = model.last_keep_index
            records.append(
                dict(
                    step=step,
                    heads=list(self.calls),
                    log_vars={
                        k: freeze(torch.as_tensor(v))
                        for k, v in log_vars.items()
                    },
                    last_keep_index=None if keep is None else list(keep),
                    summary=summary,
                    grads=self.optim_wrapper.grads,
                    skipped=self.optim_wrapper.skipped))
        return records


def record_combo(c: dict,
                 rank: int,
                 world_size: int,
                 checkpoint: dict = None) -> dict:
    """The record of one combination on one rank.

    Without ``checkpoint``: the continuous run, then the resume pass from
    its own mid-run state. With it (``{'state': rank 0's mid-run
    state_dict, 'rng': this rank's RNG state then}``, from another tree):
    the resume pass only.
    """
    why = refusal(c)
    if why is not None:
        try:
            build_model(c, world_size)
        except ValueError as error:
            return dict(
                build=f'refused: ValueError ({why})', message=str(error))
        return dict(build=f'accepted, though {why}')
    out = dict(build='built')
    if checkpoint is None:
        session = Session(c, rank, world_size)
        steps = session.run(range(MID))
        mid_state = full_state(session.model)
        mid_rng = torch.get_rng_state()
        steps += session.run(range(MID, STEPS))
        out['run'] = dict(
            steps=steps,
            mid_state=freeze_dict(mid_state),
            mid_rng=mid_rng,
            final_state=freeze_dict(session.model.state_dict()),
            rng=torch.get_rng_state())
        checkpoint = dict(
            state=_rank0_state(mid_state, rank, world_size), rng=mid_rng)
        if rank == 0:
            out['checkpoint'] = checkpoint['state']
        del session
    session = Session(c, rank, world_size)
    try:
        session.model.load_state_dict(checkpoint['state'])
    except Exception as error:  # an incompatible checkpoint: a finding
        out['resume'] = dict(error=f'{type(error).__name__}: {error}')
        return out
    torch.set_rng_state(checkpoint['rng'])
    out['resume'] = dict(
        steps=session.run(range(MID, STEPS)),
        final_state=freeze_dict(session.model.state_dict()),
        rng=torch.get_rng_state())
    return out


def _rank0_state(state: dict, rank: int, world_size: int) -> dict:
    """Rank 0's state on every rank, as a checkpoint that rank 0 saved."""
    if world_size == 1:
        return state
    import torch.distributed as dist
    box = [state if rank == 0 else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def record_all(rank: int, world_size: int, out: str, only: str,
               resume_from: str) -> None:
    """Record every combination on this rank; rank 0 writes ``out``."""
    from mmengine.logging import MMLogger

    import mmpfb
    torch.set_num_threads(1)
    # the package's warnings (non-finite batch, ...) would repeat per
    # combination
    MMLogger.get_instance('record_pfb_steps', log_level='ERROR')
    started = time.perf_counter()
    source = None
    if resume_from:
        source = torch.load(resume_from, weights_only=True)
        if source['meta']['world_size'] != world_size:
            raise ValueError(
                f'{resume_from} was recorded with world size '
                f"{source['meta']['world_size']}, not {world_size}")
        if source['meta'].get('resumed_from'):
            raise ValueError(f'{resume_from} holds resume passes only; '
                             'resume from a full record')
        combos = [
            dict(name=n, **rec['combo'])
            for n, rec in source['combos'].items()
        ]
    else:
        combos = [dict(name=combo_name(c), **c) for c in grid(world_size)]
    combos = [c for c in combos if only in c['name']]
    results = {}
    for i, named in enumerate(combos):
        c = dict(named)
        name = c.pop('name')
        t0 = time.perf_counter()
        checkpoint = None
        if source is not None:
            src = source['combos'][name]
            if 'run' in src['ranks'][0]:
                checkpoint = dict(
                    state=src['checkpoint'],
                    rng=src['ranks'][rank]['run']['mid_rng'])
            elif refusal(c) is None:
                raise ValueError(f'{resume_from}: {name} has no run')
        record = record_combo(c, rank, world_size, checkpoint)
        if world_size > 1:
            import torch.distributed as dist
            gathered = [None] * world_size
            dist.all_gather_object(gathered, record)
        else:
            gathered = [record]
        if rank == 0:
            checkpoint = gathered[0].pop('checkpoint', None)
            # in this order, so the first mismatches are the earliest
            results[name] = dict(
                combo=c, ranks=gathered, checkpoint=checkpoint)
            print(
                f'[{i + 1}/{len(combos)}] {name}: {gathered[0]["build"]} '
                f'({time.perf_counter() - t0:.2f} s)',
                flush=True)
    if rank != 0:
        return
    seconds = time.perf_counter() - started
    meta = dict(
        format=FORMAT,
        torch=str(torch.__version__),
        mmpfb=os.path.dirname(mmpfb.__file__),
        world_size=world_size,
        steps=STEPS,
        mid=MID,
        resumed_from=resume_from,
        only=only,
        seconds=seconds,
        argv=list(sys.argv))
    torch.save(dict(meta=meta, combos=results), out)
    print(f'recorded {len(results)} combinations of mmpfb at '
          f"{meta['mmpfb']} on torch {torch.__version__}, world size "
          f'{world_size}, in {seconds:.1f} s -> {out}')
    if resume_from is None:
        report_resume_consistency(results)


def report_resume_consistency(results: dict) -> None:
    """Print whether each combination's resume pass went on exactly as
    its continuous run (information: the comparison between trees is
    ``compare``)."""
    differing = []
    for name, rec in results.items():
        if 'run' not in rec['ranks'][0]:
            continue
        problems = resume_vs_run(rec, rec, [])
        if problems:
            differing.append((name, problems[0]))
    total = sum('run' in r['ranks'][0] for r in results.values())
    print(f'resume == continuous run: {total - len(differing)} of {total}')
    for name, problem in differing:
        print(f'  resume differs: {name}: {problem}')


# ----------------------------------------------------------------------
# comparing
def _float_bits(x: float) -> bytes:
    return struct.pack('<d', x)


def _describe(value) -> str:
    if isinstance(value, dict) and '__digest__' in value:
        extra = ''.join(f', {k} {value[k]!r}' for k in ('sum', 'absmax')
                        if k in value)
        return (f"<{value['dtype']} {value['shape']} "
                f"{value['__digest__'][:12]}{extra}>")
    if isinstance(value, torch.Tensor):
        return f'<{value.dtype} {list(value.shape)} {value.tolist()}>'
    return repr(value)


def _as_digest(value):
    if isinstance(value, torch.Tensor):
        return digest(value)
    return value


def diff(a, b, path: str, out: list, limit: int = 1000) -> None:
    """Append ``path: what differs`` for every difference of ``a`` and
    ``b`` (tensors bitwise)."""
    if len(out) >= limit:
        return
    a_tensorish = isinstance(a, torch.Tensor) or (isinstance(a, dict)
                                                  and '__digest__' in a)
    b_tensorish = isinstance(b, torch.Tensor) or (isinstance(b, dict)
                                                  and '__digest__' in b)
    if a_tensorish or b_tensorish:
        da, db = _as_digest(a), _as_digest(b)
        same = (
            a_tensorish and b_tensorish
            and all(da[k] == db[k] for k in ('__digest__', 'dtype', 'shape')))
        if not same:
            out.append(f'{path}: {_describe(a)} != {_describe(b)}')
        return
    if isinstance(a, dict) and isinstance(b, dict):

        def at(key):
            return f'{path}.{key}' if path else str(key)

        for key in a:
            if key not in b:
                out.append(f'{at(key)}: only in A')
        for key in b:
            if key not in a:
                out.append(f'{at(key)}: only in B')
        for key in a:
            if key in b:
                diff(a[key], b[key], at(key), out, limit)
        return
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            out.append(f'{path}: length {len(a)} != {len(b)}')
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f'{path}[{i}]', out, limit)
        return
    if type(a) is not type(b):
        out.append(f'{path}: {_describe(a)} != {_describe(b)} (types)')
    elif isinstance(a, float):
        if _float_bits(a) != _float_bits(b) and not (math.isnan(a)
                                                     and math.isnan(b)):
            out.append(f'{path}: {a!r} != {b!r}')
    elif a != b:
        out.append(f'{path}: {a!r} != {b!r}')


def rename_keys(value, renames: list, in_state: bool = False):
    """``value`` with every OLD substring of the keys of its state dicts
    and gradient dicts replaced by NEW."""
    if isinstance(value, dict) and '__digest__' not in value:
        out = {}
        for key, item in value.items():
            new_key = key
            if in_state and isinstance(key, str):
                for old, new in renames:
                    new_key = new_key.replace(old, new)
            out[new_key] = rename_keys(
                item,
                renames,
                in_state=key in STATE_PARTS or key == 'checkpoint')
        return out
    if isinstance(value, list):
        return [rename_keys(v, renames) for v in value]
    return value


def _without_norm_stats(state: dict) -> dict:
    return {k: v for k, v in state.items() if not k.endswith(NORM_STATS)}


def resume_vs_run(run_rec: dict, resume_rec: dict, out: list) -> list:
    """Differences between ``resume_rec``'s resume pass and ``run_rec``'s
    continuous run from step :data:`MID` on.

    Every rank resumes from rank 0's state_dict, as from a checkpoint;
    with ``broadcast_buffers=False`` (MMEngine's default) another rank's
    BatchNorm running statistics were its own, so they are left out of
    that rank's final state here.
    """
    for rank, (ran, resumed) in enumerate(
            zip(run_rec['ranks'], resume_rec['ranks'])):
        if 'run' not in ran or 'resume' not in resumed:
            out.append(f'rank{rank}: no run or no resume pass')
            continue
        resumed = resumed['resume']
        ran = ran['run']
        if 'error' in resumed:
            out.append(f"rank{rank}.resume: {resumed['error']}")
            continue
        prefix = f'rank{rank}.resume~run'
        diff(ran['steps'][MID:], resumed['steps'], f'{prefix}.steps', out)
        final_a, final_b = ran['final_state'], resumed['final_state']
        if rank > 0:
            final_a = _without_norm_stats(final_a)
            final_b = _without_norm_stats(final_b)
        diff(final_a, final_b, f'{prefix}.final_state', out)
        diff(ran['rng'], resumed['rng'], f'{prefix}.rng', out)
    return out


def compare(path_a: str, path_b: str, renames: list, show: int) -> int:
    a = torch.load(path_a, weights_only=True)
    b = torch.load(path_b, weights_only=True)
    for label, data, path in (('A', a, path_a), ('B', b, path_b)):
        meta = data['meta']
        origin = meta.get('resumed_from')
        print(f"{label}: {path}: mmpfb at {meta['mmpfb']}, torch "
              f"{meta['torch']}, world size {meta['world_size']}, "
              f"{len(data['combos'])} combinations" +
              (f', resumed from {origin}' if origin else ''))
    problems = []
    for key in ('format', 'world_size', 'steps', 'mid'):
        if a['meta'].get(key) != b['meta'].get(key):
            problems.append(f"meta {key}: {a['meta'].get(key)!r} != "
                            f"{b['meta'].get(key)!r}")
    if a['meta']['torch'] != b['meta']['torch']:
        print(f"note: torch {a['meta']['torch']} against "
              f"{b['meta']['torch']}: bitwise equality is not expected "
              'across torch versions')
    combos_a = rename_keys(a['combos'], renames)
    combos_b = b['combos']
    b_resumed = bool(b['meta'].get('resumed_from'))
    a_resumed = bool(a['meta'].get('resumed_from'))
    names = list(combos_a) + [n for n in combos_b if n not in combos_a]
    equal = 0
    notes = []
    for name in names:
        out = []
        if name not in combos_b or name not in combos_a:
            out.append('only in ' + ('A' if name in combos_a else 'B'))
        else:
            notes += compare_combo(name, combos_a[name], combos_b[name],
                                   (a_resumed, b_resumed), out)
        if out:
            print(f'{name}: {len(out)} mismatch(es)')
            for line in out[:show]:
                print(f'  {line}')
        else:
            equal += 1
    for line in notes + problems:
        print(line)
    print(f'{len(names)} combinations, {equal} equal')
    return 0 if equal == len(names) and not problems else 1


def compare_combo(name: str, ra: dict, rb: dict, resumed: tuple,
                  out: list) -> list:
    """Append the differences of one combination's records to ``out``;
    returns notes. ``resumed`` says which of the two files holds resume
    passes only: its pass is also compared with the other's continuous
    run."""
    originals = (ra, rb)
    ra = dict(ra, ranks=[dict(r) for r in ra['ranks']])
    rb = dict(rb, ranks=[dict(r) for r in rb['ranks']])
    diff(ra['combo'], rb['combo'], 'combo', out)
    if any(resumed):
        # a resume-only file: compare the parts both have
        ra, rb = _common_parts(ra, rb)
    notes = _refusal_notes(name, ra, rb)
    diff(ra, rb, '', out)
    if resumed[0] != resumed[1]:
        ran, resumed_rec = originals if resumed[1] else originals[::-1]
        if 'run' in ran['ranks'][0]:
            resume_vs_run(ran, resumed_rec, out)
    return notes


def _refusal_notes(name: str, ra: dict, rb: dict) -> list:
    """Take the refusals' messages out of the records (a reworded
    message is no change of behaviour) and note those that differ."""
    notes = []
    for rank, (x, y) in enumerate(zip(ra['ranks'], rb['ranks'])):
        mx, my = x.pop('message', None), y.pop('message', None)
        if mx != my:
            notes.append(f'note: {name}: rank{rank} refusal message '
                         f'{mx!r} != {my!r}')
    return notes


def _common_parts(ra: dict, rb: dict):
    """The two records without the parts only one of them has (run,
    checkpoint): a resume-only file has the resume pass alone."""
    ra = dict(ra, ranks=[dict(r) for r in ra['ranks']])
    rb = dict(rb, ranks=[dict(r) for r in rb['ranks']])
    for x, y in ((ra, rb), (rb, ra)):
        if y.get('checkpoint') is None:
            x.pop('checkpoint', None)
            y.pop('checkpoint', None)
        for rx, ry in zip(x['ranks'], y['ranks']):
            if 'run' not in ry and 'build' in ry and ry['build'] == 'built':
                rx.pop('run', None)
    return ra, rb


# ----------------------------------------------------------------------
# two ranks
def _record_on_rank(rank: int, world_size: int, *args) -> None:
    """Record on one of the spawned gloo ranks (one thread)."""
    torch.set_num_threads(1)
    record_all(rank, world_size, *args)


def record_distributed(world_size: int, args: tuple) -> int:
    """Record on ``world_size`` gloo processes started by the suite's own
    helper (this script's folder is on ``sys.path``)."""
    from gloo_processes import run_on_ranks
    with tempfile.TemporaryDirectory() as tmp:
        try:
            run_on_ranks(
                _record_on_rank,
                Path(tmp),
                world_size,
                *args,
                world_size=world_size)
        except AssertionError as error:
            print(error, file=sys.stderr)
            return 1
    return 0


# ----------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    rec = sub.add_parser(
        'record', help='record the grid of the mmpfb on '
        'PYTHONPATH')
    rec.add_argument('--out', required=True, help='file to write')
    rec.add_argument('--world-size', type=int, default=1, choices=(1, 2))
    rec.add_argument(
        '--resume-from',
        default=None,
        help="another tree's record: resume its mid-run state_dicts here")
    rec.add_argument(
        '--only',
        default='',
        help='record only the combinations whose name has this substring')
    cmp = sub.add_parser('compare', help='compare two records bitwise')
    cmp.add_argument('a')
    cmp.add_argument('b')
    cmp.add_argument(
        '--rename',
        action='append',
        default=[],
        metavar='OLD=NEW',
        help="replace OLD by NEW in A's state_dict and gradient keys")
    cmp.add_argument(
        '--show',
        type=int,
        default=5,
        help='mismatches printed per combination')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.command == 'compare':
        renames = []
        for item in args.rename:
            old, sep, new = item.partition('=')
            if not sep or not old:
                raise SystemExit(f'--rename takes OLD=NEW, got {item!r}')
            renames.append((old, new))
        return compare(args.a, args.b, renames, args.show)
    torch.set_num_threads(1)
    record_args = (args.out, args.only, args.resume_from)
    if args.world_size > 1:
        return record_distributed(args.world_size, record_args)
    record_all(0, 1, *record_args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
