# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

import mmpfb  # noqa: F401


def test_loads_mmengine_objects_that_weights_only_refuses(tmp_path):
    path = tmp_path / 'ckpt.pth'
    buffer = HistoryBuffer()
    buffer.update(3.0)
    torch.save(dict(meta=dict(buffer=buffer), state_dict={}), path)
    with pytest.raises(Exception, match='HistoryBuffer'):
        torch.load(path)  # what MMEngine 0.10.7 calls by itself
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['buffer'].current() == 3.0


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nothing.pth'))
