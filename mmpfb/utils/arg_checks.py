# Copyright (c) mmpfb contributors. All rights reserved.
"""The checks of constructor arguments that every mmpfb class shares, so
that a bad value fails the same way everywhere: a ``ValueError`` that
names the argument, what it must be and the value it got. ``bool`` is
not taken for a number."""
import math
from numbers import Real
from typing import Any, Collection


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def check_number(name: str,
                 value: Any,
                 low: float,
                 high: float = math.inf) -> None:
    """Check ``low <= value < high`` for a real number.

    Args:
        name (str): The argument's name.
        value (Any): Its value.
        low (float): The least valid value.
        high (float): The first value above the valid ones; infinity is
            never valid. Defaults to ``math.inf``.

    Raises:
        ValueError: ``value`` is no real number or out of range.
    """
    if _is_real(value) and low <= value < high:
        return
    bounds = (f'a number >= {low}'
              if high == math.inf else f'in [{low}, {high})')
    raise ValueError(f'{name} must be {bounds}, but got {value!r}')


def check_positive(name: str,
                   value: Any,
                   high: float = math.inf,
                   include_high: bool = False) -> None:
    """Check ``0 < value < high`` (``<= high`` with ``include_high``) for
    a real number, e.g. a probability in (0, 1] with ``high=1`` and
    ``include_high=True``.

    Args:
        name (str): The argument's name.
        value (Any): Its value.
        high (float): The bound above the valid values; infinity is
            never valid. Defaults to ``math.inf``.
        include_high (bool): ``high`` itself is valid. Defaults to False.

    Raises:
        ValueError: ``value`` is no real number or out of range.
    """
    if _is_real(value) and 0 < value < math.inf and (
            value <= high if include_high else value < high):
        return
    if high == math.inf:
        bounds = 'a number > 0'
    else:
        bounds = f'in (0, {high}' + (']' if include_high else ')')
    raise ValueError(f'{name} must be {bounds}, but got {value!r}')


def check_int(name: str, value: Any, low: int, optional: bool = False) -> None:
    """Check that ``value`` is an ``int >= low`` (or None if
    ``optional``).

    Args:
        name (str): The argument's name.
        value (Any): Its value.
        low (int): The least valid value.
        optional (bool): None is valid too. Defaults to False.

    Raises:
        ValueError: ``value`` is no such int.
    """
    if optional and value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool) \
            and value >= low:
        return
    none = 'None or ' if optional else ''
    raise ValueError(
        f'{name} must be {none}an int >= {low}, but got {value!r}')


def check_bool(name: str, value: Any) -> None:
    """Check that ``value`` is a ``bool``.

    Args:
        name (str): The argument's name.
        value (Any): Its value.

    Raises:
        ValueError: ``value`` is not a bool.
    """
    if not isinstance(value, bool):
        raise ValueError(f'{name} must be a bool, but got {value!r}')


def check_choice(name: str, value: Any, choices: Collection) -> None:
    """Check that ``value`` is one of ``choices``.

    Args:
        name (str): The argument's name.
        value (Any): Its value.
        choices (Collection): The valid values.

    Raises:
        ValueError: ``value`` is not among them.
    """
    if value not in choices:
        raise ValueError(f'{name} must be one of {tuple(choices)}, but got '
                         f'{value!r}')
