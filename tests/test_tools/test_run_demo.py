# Copyright (c) mmpfb contributors. All rights reserved.
import subprocess
import sys
from pathlib import Path

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
