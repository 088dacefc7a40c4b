# Copyright (c) mmpfb contributors. All rights reserved.
import logging
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MMLogger
from mmengine.runner import CheckpointLoader
from mmengine.utils import digit_version

from mmpfb.engine import UNSAFE_ENV, use_safe_checkpoint_loader


class CaptureLog:
    """Collect what ``logger`` emits inside the block."""

    def __init__(self, logger):
        self.logger = logger
        self.messages = []
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.messages.append(record.
                                                                getMessage())

    def __enter__(self):
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)


#: torch's own default: ``weights_only=True`` since torch 2.6
TORCH_LOADS_WEIGHTS_ONLY = digit_version(
    torch.__version__) >= digit_version('2.6.0')


@pytest.fixture(params=['weights_only', 'allow_list_unpickler'])
def safe_loader(request, monkeypatch):
    """The safe loader on each of its paths: torch's ``weights_only=True``
    with MMEngine's classes allowed (torch >= 2.5), and mmpfb's own
    allow-list unpickler (what torch < 2.5 gets; reached on any torch by
    hiding ``safe_globals``)."""
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    if request.param == 'weights_only':
        if not hasattr(torch.serialization, 'safe_globals'):
            pytest.skip('torch < 2.5 has no safe_globals')
    else:
        monkeypatch.delattr(torch.serialization, 'safe_globals', raising=False)
    use_safe_checkpoint_loader()


def test_loads_mmengine_state_that_weights_only_refuses(tmp_path, safe_loader):
    path = tmp_path / 'ckpt.pth'
    buffer = HistoryBuffer()
    buffer.update(np.float64(3.0))
    meta = dict(
        buffer=buffer,
        seed=np.int64(7),
        array=np.arange(3, dtype=np.float32),
        dtype=np.dtype('float16'))
    torch.save(dict(meta=meta, state_dict=dict(w=torch.ones(2))), path)
    if TORCH_LOADS_WEIGHTS_ONLY:
        with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
            torch.load(path)  # what MMEngine 0.10.7 calls by itself
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['buffer'].current() == 3.0
    assert ckpt['meta']['seed'] == 7
    assert ckpt['meta']['array'].tolist() == [0, 1, 2]
    assert ckpt['meta']['dtype'] == np.float16


def test_loads_the_state_of_mmengine_schedulers(tmp_path, safe_loader):
    from mmengine.optim import OneCycleLR
    optimizer = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)
    scheduler = OneCycleLR(optimizer, eta_max=0.1, total_steps=10)
    path = tmp_path / 'ckpt.pth'
    torch.save(dict(param_schedulers=[scheduler.state_dict()]), path)
    ckpt = CheckpointLoader.load_checkpoint(str(path))
    state = ckpt['param_schedulers'][0]
    assert state['anneal_func'] == scheduler.anneal_func
    assert state['total_steps'] == 10


def test_code_in_a_checkpoint_is_refused_and_the_opt_in_named(
        malicious, safe_loader):
    path, marker = malicious
    with pytest.raises(pickle.UnpicklingError) as err:
        CheckpointLoader.load_checkpoint(str(path))
    assert f'{UNSAFE_ENV}=1' in str(err.value)
    assert not marker.exists()


def test_opt_in_unpickles_in_full_with_a_warning(malicious, safe_loader,
                                                 monkeypatch):
    path, marker = malicious
    monkeypatch.setenv(UNSAFE_ENV, '1')
    with CaptureLog(MMLogger.get_current_instance()) as log:
        CheckpointLoader.load_checkpoint(str(path))
    assert marker.exists()  # the opt-in really runs what the file holds
    assert any(UNSAFE_ENV in message for message in log.messages)


def test_missing_file_is_named(tmp_path, safe_loader):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nothing.pth'))


def test_import_mmpfb_changes_no_loader(malicious):
    path, marker = malicious
    code = textwrap.dedent(f'''
        import sys
        from mmengine.runner import CheckpointLoader
        before = CheckpointLoader._schemes['']
        import mmpfb
        assert CheckpointLoader._schemes[''] is before
        assert 'mmseg' not in sys.modules
        assert 'mmpretrain' not in sys.modules
        try:
            CheckpointLoader.load_checkpoint({str(path)!r})
        except Exception as err:
            print(type(err).__name__)
    ''')
    env = {k: v for k, v in os.environ.items() if k != UNSAFE_ENV}
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         env=env)
    assert out.returncode == 0, out.stderr
    if TORCH_LOADS_WEIGHTS_ONLY:  # older torch unpickles in full itself
        assert out.stdout.splitlines()[-1] == 'UnpicklingError'
        assert not marker.exists()
