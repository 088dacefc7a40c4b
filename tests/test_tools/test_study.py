# Copyright (c) mmpfb contributors. All rights reserved.
"""tools/analysis_tools/study.py only parses arguments and calls
mmpfb.experiments.study (whose tests are in
tests/test_experiments/test_study/)."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools'


@pytest.fixture
def tool(monkeypatch):
    monkeypatch.syspath_prepend(str(TOOLS))
    return importlib.import_module('study')


def test_runs_as_a_script_and_lists_its_options():
    result = subprocess.run(
        [sys.executable, str(TOOLS / 'study.py'), '--help'],
        capture_output=True,
        text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    for option in ('--jobs', '--results-dir', '--cfg-options', '--methods',
                   '--configs', '--summarize-only'):
        assert option in result.stdout


@pytest.mark.parametrize('argv, message', [
    (['s.yaml', '--jobs', '0'], '--jobs must be >= 1, got 0'),
    (['s.yaml', '--threads', '0'], '--threads must be >= 1, got 0'),
    ([], 'the following arguments are required: spec'),
])
def test_bad_arguments_are_named(tool, capsys, argv, message):
    with pytest.raises(SystemExit):
        tool.parse_args(argv)
    assert message in capsys.readouterr().err


def test_main_calls_the_api(tool, monkeypatch, capsys):
    calls = {}
    monkeypatch.setattr(
        tool, 'load_study_spec',
        lambda path, overrides: calls.update(spec=(path, overrides)) or 'S')
    monkeypatch.setattr(
        tool, 'run_study', lambda *args: calls.update(run=args) or
        (['row'], dict(md='/r/summary.md')))
    monkeypatch.setattr(tool, 'format_markdown',
                        lambda spec, rows: [f'| {spec} | {rows[0]} |'])
    tool.main([
        's.yaml', '--seeds', '3', '4', '--ratios', '0.5', '--jobs', '2',
        '--work-dir', '/w', '--cfg-options', 'train_cfg.max_iters=2'
    ])
    assert calls['spec'] == ('s.yaml', {
        'ratios': [0.5],
        'seeds': [3, 4],
        'cfg_options': {
            'train_cfg.max_iters': 2
        }
    })
    assert calls['run'] == ('S', '/w', None, 2, 1, True)
    out = capsys.readouterr().out
    assert '| S | row |' in out and '/r/summary.md' in out
    tool.main(
        ['s.yaml', '--configs', 'b', '--methods', 'pfb', '--summarize-only'])
    assert calls['spec'] == ('s.yaml', dict(configs=['b'], methods=['pfb']))
    assert calls['run'] == ('S', None, None, 1, 1, False)
