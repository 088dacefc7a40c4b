# Copyright (c) mmpfb contributors. All rights reserved.
"""The --help of every tool is written in whole sentences."""
import importlib.util
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / 'tools'
TOOL_PATHS = [
    'train.py', 'test.py', 'run_demo.py', 'analysis_tools/plot_pfb_log.py',
    'analysis_tools/check_splitter.py', 'analysis_tools/benchmark_pfb.py',
    'analysis_tools/analyze_selection.py', 'analysis_tools/study.py',
    'analysis_tools/compare_infobatch.py', 'analysis_tools/check_configs.py',
    'dataset_converters/prepare_fashion_mnist.py',
    'dataset_converters/generate_fashion_scenes.py'
]


def load_tool(path: str):
    name = 'tool_' + path.replace('/', '_')[:-3]
    spec = importlib.util.spec_from_file_location(name, TOOLS / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('path', TOOL_PATHS)
def test_every_flag_has_help_in_a_sentence(path):
    parser = load_tool(path).build_parser()
    assert parser.description.endswith('.')
    assert len(parser._actions) >= 2
    for action in parser._actions:
        flag = '/'.join(action.option_strings) or action.dest
        assert action.help, f'{flag} has no help'
        assert action.help.endswith('.'), f'{flag}: {action.help!r}'
        assert action.help[0].isupper(), f'{flag}: {action.help!r}'


def test_the_help_of_train_lists_the_shared_flags(capsys):
    with pytest.raises(SystemExit):
        load_tool('train.py').build_parser().parse_args(['--help'])
    out = capsys.readouterr().out
    for flag in ('--cfg-options', '--launcher', '--local-rank', '--amp'):
        assert flag in out
    assert 'MMPFB_TRACEBACK=1' in out
