# Copyright (c) mmpfb contributors. All rights reserved.
"""tools/run_demo.py only parses arguments and calls mmpfb.experiments.run_demo
(whose tests are in tests/test_experiments/test_demo.py)."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / 'tools'


@pytest.fixture
def tool(monkeypatch):
    monkeypatch.syspath_prepend(str(TOOLS))
    return importlib.import_module('run_demo')


def test_runs_as_a_script_and_lists_its_options():
    result = subprocess.run(
        [sys.executable, str(TOOLS / 'run_demo.py'), '--help'],
        capture_output=True,
        text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '--task {cls,seg}' in result.stdout
    assert '--verbose' in result.stdout


@pytest.mark.parametrize('argv, message', [
    (['--task', 'det'], "invalid choice: 'det'"),
    (['--threads', '0'], '--threads must be >= 1, got 0'),
])
def test_bad_arguments_are_named(tool, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        tool.parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_host_is_named(tool, monkeypatch, capsys):
    monkeypatch.setattr(tool, 'find_spec', lambda name: None)
    with pytest.raises(SystemExit):
        tool.parse_args(['--task', 'cls'])
    assert 'needs mmpretrain' in capsys.readouterr().err


def test_main_calls_the_api(tool, monkeypatch, capsys, tmp_path):
    calls = []
    monkeypatch.setattr(tool, 'run_demo',
                        lambda *args: calls.append(args) or 'results')
    monkeypatch.setattr(tool, 'format_demo_table',
                        lambda task, results: [f'table {task} {results}'])
    tool.main([
        '--task', 'seg', '--work-dir',
        str(tmp_path), '--verbose', '--cfg-options', 'randomness.seed=1'
    ])
    (args, ) = calls
    assert args[0] == 'seg' and args[1] == str(tmp_path)
    assert args[2] == str(TOOLS.parent / 'data' / 'demo_voc')
    assert args[3] == {'randomness.seed': 1} and args[4] is True
    assert 'table seg results' in capsys.readouterr().out
