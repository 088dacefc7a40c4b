# Copyright (c) mmpfb contributors. All rights reserved.
"""Training with MMEngine's AmpOptimWrapper: bf16 autocast on the CPU."""
import math

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.optim.optimizer import amp_optimizer_wrapper
from mmengine.runner import Runner

from .test_pfb_hook import RecordHook, runner_cfg


def test_bf16_amp_trains_and_keeps_the_estimator_float32(
        demo_root, tmp_path, monkeypatch):
    if not torch.cuda.is_available():
        # AmpOptimWrapper refuses to be built without an accelerator; its
        # autocast then runs on the CPU in bfloat16
        monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available',
                            lambda: True)
    record = RecordHook()
    cfg = runner_cfg(demo_root, tmp_path, 4, record)
    cfg['optim_wrapper'] = dict(
        type='AmpOptimWrapper',
        dtype='bfloat16',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
    cfg['default_hooks'].pop('checkpoint')
    runner = Runner(**cfg)
    dtypes = []
    runner.model.decode_head.conv_seg.register_forward_hook(
        lambda module, args, out: dtypes.append(out.dtype))
    runner.train()

    assert set(dtypes) == {torch.bfloat16}  # autocast was on
    keep = [r['losses']['pfb_keep_num'] for r in record.records.values()]
    assert keep[0] == 4 and all(k < 4 for k in keep[1:])
    for r in record.records.values():
        assert all(math.isfinite(v) for v in r['losses'].values())
    est = runner.model.blocker.estimator
    assert est.centroids.dtype == torch.float32
    assert torch.isfinite(est.centroids).all()
