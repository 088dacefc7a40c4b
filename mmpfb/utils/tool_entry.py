# Copyright (c) mmpfb contributors. All rights reserved.
"""How mmpfb's command-line tools start and stop.

Every tool builds its parser with :func:`tool_parser` (help texts are
whole sentences) and runs its ``main`` through :func:`run_tool`, which
hides the host libraries' ``pkg_resources`` deprecation warnings and
reports a :class:`ToolError` as one last line ``error: <message>`` on
stderr. :func:`config_errors_as_tool_errors` turns the argument checks
that mmpfb's parts make when a runner builds them into such errors.
"""
import argparse
import os
import os.path as osp
import sys
import warnings
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

# Set to 1 to see the full traceback instead of the one-line error.
TRACEBACK_ENV = 'MMPFB_TRACEBACK'
# MMEngine's ``is_installed`` imports and reloads pkg_resources whenever
# a config names a ``<package>::`` base; each time setuptools warns. The
# reload's warning points at importlib.
PKG_RESOURCES_WARNING = 'pkg_resources is deprecated as an API'
PKG_RESOURCES_WARNING_MODULES = r'(mmengine\.utils\.package_utils|importlib)\Z'
MMPFB_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The help epilog of the tools that build mmpfb's parts from a config.
CONFIG_ERROR_HELP = (
    'A configuration error (e.g. a pfb value out of range) ends the run '
    f'with one line "error: ..." and exit code 2; set {TRACEBACK_ENV}=1 to '
    'see its full traceback.')


class ToolError(Exception):
    """An error that a tool reports in one line, then exits with.

    Args:
        message (str): What went wrong and how to put it right.
        exit_code (int): The tool's exit status. Defaults to 1.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def tool_parser(description: str,
                epilog: Optional[str] = None) -> argparse.ArgumentParser:
    """A parser whose ``-h`` help, like every flag's, is a sentence.

    Args:
        description (str): What the tool does, in whole sentences.
        epilog (str, optional): Text after the flags. Defaults to None.

    Returns:
        argparse.ArgumentParser: The parser, with ``-h``/``--help``.
    """
    parser = argparse.ArgumentParser(
        description=description, epilog=epilog, add_help=False)
    parser.add_argument(
        '-h', '--help', action='help', help='Show this help message and exit.')
    return parser


def ignore_pkg_resources_warnings() -> None:
    """Hide the ``pkg_resources`` deprecation warnings that MMEngine's
    ``is_installed`` triggers, and no other warning."""
    warnings.filterwarnings(
        'ignore',
        message=PKG_RESOURCES_WARNING,
        category=UserWarning,
        module=PKG_RESOURCES_WARNING_MODULES)


def wants_traceback() -> bool:
    """Whether ``MMPFB_TRACEBACK`` asks for full tracebacks."""
    return os.environ.get(TRACEBACK_ENV, '0') not in ('', '0')


def run_tool(main: Callable[[], Optional[int]]) -> None:
    """Run a tool's ``main`` as the script's body and exit with its code.

    A :class:`ToolError` ends the tool with ``error: <message>`` as the
    last line on stderr and the error's exit code; with
    ``MMPFB_TRACEBACK=1`` it propagates with its full traceback instead.

    Args:
        main (Callable[[], int | None]): The tool's main function; its
            return value is the exit code (None: 0).
    """
    ignore_pkg_resources_warnings()
    try:
        code = main()
    except ToolError as exc:
        if wants_traceback():
            raise
        sys.stdout.flush()
        sys.stderr.write(f'error: {exc}\n')
        sys.exit(exc.exit_code)
    sys.exit(code)


def raised_by_mmpfb(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc``'s traceback is mmpfb's."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    path = osp.abspath(tb.tb_frame.f_code.co_filename)
    return path.startswith(MMPFB_ROOT + os.sep)


@contextmanager
def config_errors_as_tool_errors() -> Iterator[None]:
    """Turn the argument checks of mmpfb's parts into :class:`ToolError`.

    A ``ValueError`` or ``TypeError`` raised in mmpfb's own code (such as
    ``prune_ratio must be in [0, 1), but got 2`` while the runner builds
    the model) becomes a ToolError with exit code 2, as argparse's usage
    errors have; any other exception propagates unchanged.

    Raises:
        ToolError: For mmpfb's configuration errors.
    """
    try:
        yield
    except (ValueError, TypeError) as exc:
        if not raised_by_mmpfb(exc):
            raise
        raise ToolError(str(exc), exit_code=2) from exc
