# Copyright (c) mmpfb contributors. All rights reserved.
import os
from collections import OrderedDict

import pytest
import torch
from mmengine.runner import CheckpointLoader
from mmengine.runner.checkpoint import load_from_local


class RunsCode:
    """Unpickling this makes a directory: a stand-in for any command."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return os.mkdir, (self.path, )


@pytest.fixture
def malicious(tmp_path):
    """A checkpoint whose unpickling runs code, and the directory that
    the code makes."""
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=RunsCode(marker)), path)
    return path, marker


@pytest.fixture
def mmengine_loader(monkeypatch):
    """MMEngine's own loader for local files during the test, whatever
    an earlier test installed, so that the test sees what its hooks
    install; the loaders as they were afterwards."""
    schemes = OrderedDict(CheckpointLoader._schemes)
    schemes[''] = load_from_local
    monkeypatch.setattr(CheckpointLoader, '_schemes', schemes)
