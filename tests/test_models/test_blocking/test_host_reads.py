# Copyright (c) mmpfb contributors. All rights reserved.
"""Each host read of a device value waits for the GPU: the training step
reads the kept rows once (with the batch's finite flag), and each option
adds at most one read (:class:`tests.host_reads.HostReads` counts them on
any device)."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

from mmpfb.experiments.testing.classification import (tiny_classifier_cfg,
                                                      tiny_cls_batch)
from mmpfb.experiments.testing.segmentation import (tiny_seg_batch,
                                                    tiny_segmentor_cfg)
from ...host_reads import HostReads

BATCH = 8
HOSTS = dict(
    classifier=('mmpretrain', tiny_classifier_cfg, tiny_cls_batch, 1),
    segmentor=('mmseg', tiny_segmentor_cfg, tiny_seg_batch, 2))
# the options, and the reads of one pruned training step with them
OPTIONS = dict(
    default=(dict(), 1),
    reuse=(dict(shallow_grad='reuse'), 1),
    recompute=(dict(shallow_grad='recompute'), 1),
    random=(dict(criterion='random'), 1),
    typical=(dict(criterion='typical'), 1),
    sampled=(dict(criterion='sampled'), 2),  # the densities, to sample
    class_quota=(dict(class_quota=True), 2),  # the classes
    loss_memory=(dict(loss_memory_weight=1.0,
                      loss_memory_size=BATCH), 2),  # the losses to keep
)


def build_model(host: str, options: dict):
    library, cfg, batch, block_stage = HOSTS[host]
    registry = pytest.importorskip(f'{library}.registry')
    pfb = dict(
        prune_ratio=0.5,
        block_stage=block_stage,
        num_centroids=4,
        feat_dim=4,
        auto_trials=1,
        **options)
    with DefaultScope.overwrite_default_scope(library):
        torch.manual_seed(0)
        return registry.MODELS.build(cfg(pfb=pfb)).train(), batch


def train_step(model, batch) -> None:
    inputs, samples = batch
    model.zero_grad()
    losses = model.loss(inputs, copy.deepcopy(samples))
    sum(v for k, v in losses.items() if 'loss' in k).backward()


@pytest.mark.parametrize('option', list(OPTIONS))
@pytest.mark.parametrize('host', list(HOSTS))
def test_a_pruned_step_reads_the_device_once_per_option(host, option):
    options, expected = OPTIONS[option]
    try:
        model, batch_fn = build_model(host, options)
    except ValueError as err:
        pytest.skip(f'{host} takes no {option}: {err}')
    # fill the centroids; with shallow_grad='auto' time both modes
    for seed in range(4):
        train_step(model, batch_fn(BATCH, seed=seed))
    batch = batch_fn(BATCH, seed=4)
    with HostReads() as counter:
        train_step(model, batch)
    assert model.last_keep_index is not None
    assert len(counter.reads) == expected, counter.reads


def test_the_counter_sees_reads_of_device_values_only():
    weight = torch.ones(3)
    gen = torch.Generator().manual_seed(0)
    with HostReads(callers=osp.dirname(__file__)) as counter:
        draw = torch.rand((), generator=gen).item()  # host: not counted
        keep = torch.tensor([0, 2]).to(weight.device)
        assert draw < 1 and bool(torch.tensor(1) > 0)
        rows = weight[keep].tolist()
        total = float(weight.sum())
        moved = weight.cpu()
        assert moved.tolist() == rows + [1.0]  # a host copy: not again
        positive = weight[weight > 0]  # the host waits for the count
        assert moved[moved > 0].shape == positive.shape
    assert counter.reads == ['tolist', '__float__', 'cpu', '__getitem__']
    assert total == 3
