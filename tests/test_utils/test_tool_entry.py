# Copyright (c) mmpfb contributors. All rights reserved.
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

from mmpfb.datasets.fashion_mnist import long_tail_counts
from mmpfb.utils import (ToolError, config_errors_as_tool_errors, run_tool,
                         tool_parser)
from mmpfb.utils.tool_entry import (PKG_RESOURCES_WARNING, TRACEBACK_ENV,
                                    ignore_pkg_resources_warnings)


def test_tool_parser_help_is_a_sentence(capsys):
    parser = tool_parser('Do a thing.', 'More about it.')
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(['--help'])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert '-h, --help  Show this help message and exit.' in out
    assert 'Do a thing.' in out and out.rstrip().endswith('More about it.')


def warn_from(module: str, message: str) -> None:
    """Emit ``message`` as if the module ``module`` had warned."""
    exec(
        compile(f'warnings.warn({message!r}, UserWarning)', module, 'exec'), {
            '__name__': module,
            'warnings': warnings
        })


@pytest.mark.parametrize('module, hidden', [
    ('mmengine.utils.package_utils', True),
    ('importlib', True),
    ('mmengine.utils.package_utils_extra', False),
    ('mmpfb.models', False),
])
def test_only_the_hosts_pkg_resources_warning_is_hidden(module, hidden):
    message = PKG_RESOURCES_WARNING + '. See https://setuptools.pypa.io.'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        ignore_pkg_resources_warnings()
        warn_from(module, message)
        warn_from(module, 'another warning')
    expected = ['another warning'] if hidden else [message, 'another warning']
    assert [str(w.message) for w in caught] == expected


def run_script(body: str, env: dict = None) -> subprocess.CompletedProcess:
    script = textwrap.dedent(f"""
        from mmpfb.utils import ToolError, run_tool


        def main():
            print('some output')
        {textwrap.indent(textwrap.dedent(body), '    ')}

        run_tool(main)
        """)
    return subprocess.run([sys.executable, '-c', script],
                          capture_output=True,
                          text=True,
                          timeout=120,
                          env=env)


def test_run_tool_exits_with_the_code_of_main():
    assert run_script('return 3').returncode == 3
    result = run_script('return None')
    assert result.returncode == 0 and result.stderr == ''
    assert result.stdout == 'some output\n'


def test_a_tool_error_is_the_last_line(monkeypatch):
    monkeypatch.delenv(TRACEBACK_ENV, raising=False)
    result = run_script("raise ToolError('bad value 7', exit_code=2)")
    assert result.returncode == 2
    assert result.stderr == 'error: bad value 7\n'
    assert result.stdout == 'some output\n'
    result = run_script("raise ToolError('bad value 7', exit_code=2)",
                        dict(os.environ, **{TRACEBACK_ENV: '1'}))
    assert result.returncode == 1
    assert 'Traceback (most recent call last)' in result.stderr
    assert result.stderr.rstrip().endswith('ToolError: bad value 7')


def test_run_tool_leaves_other_errors_alone():

    def main():
        raise KeyError('x')

    with warnings.catch_warnings(), pytest.raises(KeyError):
        run_tool(main)


def test_mmpfb_argument_checks_become_tool_errors():
    with pytest.raises(ToolError) as info:
        with config_errors_as_tool_errors():
            long_tail_counts(10, 3, imbalance_factor=0.5)
    assert info.value.exit_code == 2
    assert str(info.value) == 'imbalance_factor must be >= 1, but got 0.5'
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize('error', [ValueError, TypeError, KeyError])
def test_errors_raised_elsewhere_propagate(error):
    with pytest.raises(error):
        with config_errors_as_tool_errors():
            raise error('raised by the caller')
