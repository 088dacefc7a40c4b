# Copyright (c) mmpfb contributors. All rights reserved.
"""``mmpfb::`` configs in an editable install (the project's own
environment): ``pip install -e .`` links ``mmpfb/.mim`` in the source
tree, and MMEngine finds the configs through it from any folder, as in a
wheel (``test_wheel.py``)."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import pytest

import mmpfb
from .test_wheel import USER_BASES, USER_SCRIPT

SOURCE = osp.dirname(osp.abspath(mmpfb.__file__))
EDITABLE = not SOURCE.startswith(sys.prefix) and osp.islink(
    osp.join(SOURCE, '.mim', 'configs'))


@pytest.mark.skipif(not EDITABLE, reason='mmpfb is not installed editable')
@pytest.mark.parametrize('host', list(USER_BASES))
def test_mmpfb_config_in_editable_install(tmp_path, host):
    if importlib.util.find_spec(host) is None:
        pytest.skip(f'{host} is not installed')
    base, model, block_stage = USER_BASES[host]
    run = subprocess.run([sys.executable, '-c', USER_SCRIPT, base],
                         cwd=tmp_path,
                         capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout.splitlines()[-1])
    linked = osp.join(SOURCE, '.mim', 'configs', base)
    assert got['base'] == got['hub'] == linked
    assert osp.realpath(linked) == osp.join(
        osp.dirname(SOURCE), 'configs', base)
    assert got['model'] == model and got['prune_ratio'] == 0.25
    assert got['block_stage'] == block_stage
