# Copyright (c) mmpfb contributors. All rights reserved.
"""SafeCheckpointLoaderHook on its own, and the one PFBHook runs for a
runner without it."""
import pickle

import pytest
from mmengine.runner import Runner

from mmpfb.engine import UNSAFE_ENV
from .toy_runner import toy_runner_cfg


def loader_hook_cfg(root, work_dir, max_iters):
    """A run without PFB, with the hook."""
    return toy_runner_cfg(work_dir, max_iters,
                          [dict(type='mmpfb.SafeCheckpointLoaderHook')])


def pfb_hook_cfg(root, work_dir, max_iters):
    """A PFB run with ``PFBHook`` only."""
    pytest.importorskip('mmseg')
    from .test_pfb_hook import runner_cfg
    return runner_cfg(root, work_dir, max_iters)


@pytest.mark.parametrize('resume', [False, True])
@pytest.mark.parametrize('run_cfg', [loader_hook_cfg, pfb_hook_cfg])
def test_runner_refuses_code_on_load_from_and_resume(demo_root, tmp_path,
                                                     malicious,
                                                     mmengine_loader, resume,
                                                     run_cfg, monkeypatch):
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    path, marker = malicious
    cfg = run_cfg(demo_root, tmp_path / 'work', 2)
    cfg.update(load_from=str(path), resume=resume)
    # MMEngine's own loader (mmengine_loader) would unpickle the file in
    # full (torch < 2.6) or refuse it without naming the opt-in
    with pytest.raises(pickle.UnpicklingError, match=UNSAFE_ENV):
        Runner(**cfg).train()
    assert not marker.exists()
