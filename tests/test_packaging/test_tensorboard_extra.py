# Copyright (c) mmpfb contributors. All rights reserved.
"""The ``[tensorboard]`` extra: PFB's scalars reach TensorBoard."""
import json

import pytest

pytest.importorskip('mmseg')
pytest.importorskip(
    'tensorboard',
    reason='tensorboard is not installed (pip install mmpfb[tensorboard])')

from mmengine.runner import Runner
from tensorboard.backend.event_processing.event_accumulator import \
    EventAccumulator

from mmpfb.experiments.datasets import generate_demo_voc
from tests.test_engine.test_hooks.test_pfb_hook import runner_cfg

PFB_KEYS = ('pfb_keep_num', 'pfb_keep_ratio', 'pfb_score_time', 'pfb_enabled',
            'pfb_prune_ratio')


def test_pfb_scalars_reach_tensorboard(tmp_path):
    root = tmp_path / 'data'
    generate_demo_voc(str(root), num_train=8, num_val=2, seed=0)
    cfg = runner_cfg(root, tmp_path / 'work', max_iters=3)
    # LocalVisBackend writes the same scalars to JSON: the reference
    cfg['visualizer'] = dict(
        type='Visualizer',
        vis_backends=[
            dict(type='LocalVisBackend'),
            dict(type='TensorboardVisBackend')
        ])
    Runner(**cfg).train()

    (vis_dir, ) = (tmp_path / 'work').glob('*/vis_data')
    rows = [
        json.loads(line)
        for line in (vis_dir / 'scalars.json').read_text().splitlines()
    ]
    events = EventAccumulator(str(vis_dir))
    events.Reload()
    for key in PFB_KEYS:
        board = events.Scalars(key)
        assert [e.step for e in board] == [r['step'] for r in rows], key
        reference = [r[key] for r in rows]
        assert [e.value for e in board] == pytest.approx(reference), key
    # PFBHook(begin=1): every sample at the first iteration, then half
    keep = [e.value for e in events.Scalars('pfb_keep_ratio')]
    assert keep == pytest.approx([1.0, 0.5, 0.5])
