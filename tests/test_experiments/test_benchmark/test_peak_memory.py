# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.config import Config

from mmpfb.experiments.benchmark import (InputShape, build_model, saved_mib,
                                         step_peak_mib, synthetic_batch)
from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg


def test_pruning_lowers_the_peak_by_about_the_pruned_activations():
    cfg = Config(
        dict(
            model=tiny_segmentor_cfg(pfb=dict(block_stage=1, num_centroids=4)),
            default_scope='mmseg'))
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
