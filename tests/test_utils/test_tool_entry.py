# Copyright (c) mmpfb contributors. All rights reserved.
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


def run_main(main, capsys):
    """Run ``main`` through :func:`run_tool`: its exit code, stdout and
    stderr."""
    with warnings.catch_warnings(), pytest.raises(SystemExit) as info:
        run_tool(main)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def main_that(outcome):
    """A tool's main that prints a line, then returns or raises."""

    def main():
        print('some output')
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return main


def test_run_tool_exits_with_the_code_of_main(capsys):
    assert run_main(main_that(3), capsys)[0] == 3
    assert run_main(main_that(None), capsys) == (None, 'some output\n', '')


def test_a_tool_error_is_the_last_line(monkeypatch, capsys):
    monkeypatch.delenv(TRACEBACK_ENV, raising=False)
    error = ToolError('bad value 7', exit_code=2)
    assert run_main(main_that(error),
                    capsys) == (2, 'some output\n', 'error: bad value 7\n')
    monkeypatch.setenv(TRACEBACK_ENV, '1')
    with warnings.catch_warnings(), pytest.raises(
            ToolError, match='^bad value 7$'):
        run_tool(main_that(error))


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
