# Copyright (c) mmpfb contributors. All rights reserved.
from importlib.util import find_spec


def is_installed(package: str) -> bool:
    """Whether ``package`` can be imported, without importing it."""
    return find_spec(package) is not None
