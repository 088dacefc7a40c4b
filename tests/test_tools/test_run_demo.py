# Copyright (c) mmpfb contributors. All rights reserved.
import subprocess
import sys
from pathlib import Path

import pytest

from mmpfb.utils import load_script

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'run_demo.py'


def test_help_lists_task():
    # --help imports no host library, so it is quick
    result = subprocess.run(
        [sys.executable, str(TOOL), '--help'],
        capture_output=True,
        text=True,
        timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '--task {cls,seg}' in result.stdout


def test_unknown_task_is_refused():
    result = subprocess.run(
        [sys.executable, str(TOOL), '--task', 'det'],
        capture_output=True,
        text=True,
        timeout=60)
    assert result.returncode == 2
    assert "invalid choice: 'det'" in result.stderr


def test_missing_host_is_named(monkeypatch, capsys):
    run_demo = load_script(str(TOOL))
    monkeypatch.setattr(run_demo, 'find_spec', lambda name: None)
    monkeypatch.setattr(sys, 'argv', ['run_demo.py', '--task', 'cls'])
    with pytest.raises(SystemExit) as exc:
        run_demo.parse_args()
    assert exc.value.code == 2
    assert 'needs mmpretrain' in capsys.readouterr().err
