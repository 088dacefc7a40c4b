# Copyright (c) mmpfb contributors. All rights reserved.
"""The int checks of :mod:`mmpfb.datasets` (no torch), by the rule of
:func:`mmpfb.utils.arg_checks.check_int`: that module cannot be imported
here, because :mod:`mmpfb.utils` imports this package (its data roots)."""
from typing import List, Tuple


def check_min_ints(checks: List[Tuple[str, object, int]]) -> None:
    """Raise for any ``(name, value, low)`` whose value is not an int
    ``>= low``, naming the argument and the bad value."""
    for name, value, low in checks:
        if isinstance(value, bool) or not isinstance(value, int) \
                or value < low:
            raise ValueError(
                f'{name} must be an int >= {low}, but got {value!r}')
