# Copyright (c) mmpfb contributors. All rights reserved.
"""Which host libraries are installed, and whether their versions are
supported.

:data:`SUPPORTED_VERSIONS` holds the ranges that the test suite passes
on (README "Compatibility"); ``setup.py`` asks pip for the same ones. A
library outside its range raises :class:`HostVersionError` when the part
of mmpfb that needs it is imported, naming the package, the version found
and the range, instead of failing later deep inside. Setting the
environment variable ``MMPFB_ALLOW_UNTESTED_VERSIONS=1`` turns that error
into a warning, to try a newer library knowingly (the GPU check kit does,
on a machine whose libraries are newer than the tested stacks).
"""
import os
import warnings
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from typing import Dict, Tuple

from packaging.version import Version

# module name: (distribution name, lowest supported, first unsupported)
SUPPORTED_VERSIONS: Dict[str, Tuple[str, str, str]] = {
    'torch': ('torch', '2.1', '2.14'),
    'numpy': ('numpy', '1.26', '2.4'),
    'mmengine': ('mmengine', '0.10.0', '0.11.0'),
    'mmcv': ('mmcv', '2.0.0rc4', '2.2.0'),
    'mmseg': ('mmsegmentation', '1.0.0', '2.0.0'),
    'mmpretrain': ('mmpretrain', '1.0.0', '2.0.0'),
}

#: The environment variable that lets untested versions through, warned.
ALLOW_UNTESTED = 'MMPFB_ALLOW_UNTESTED_VERSIONS'


class HostVersionError(ImportError):
    """A host library whose installed version mmpfb does not support."""


def is_installed(package: str) -> bool:
    """Whether ``package`` can be imported, without importing it."""
    return find_spec(package) is not None


def check_host_version(module: str) -> None:
    """Raise if the installed ``module`` is outside its supported range.

    Args:
        module (str): A key of :data:`SUPPORTED_VERSIONS` (the import
            name, e.g. ``'mmseg'``).

    Raises:
        HostVersionError: The distribution is missing or its version lies
            outside ``[lowest, first unsupported)``; with
            ``MMPFB_ALLOW_UNTESTED_VERSIONS=1`` the second is a warning.
    """
    dist, low, high = SUPPORTED_VERSIONS[module]
    try:
        found = version(dist)
    except PackageNotFoundError:
        raise HostVersionError(
            f'mmpfb needs {dist}>={low},<{high} for {module}, but no {dist} '
            f'distribution is installed') from None
    # a local build tag such as torch's '+cu121' sorts within the range
    if Version(low) <= Version(found) < Version(high):
        return
    message = (f'mmpfb supports {dist}>={low},<{high}, but {dist} {found} '
               'is installed')
    if os.environ.get(ALLOW_UNTESTED) == '1':
        warnings.warn(f'{message}; going on untested ({ALLOW_UNTESTED}=1)')
        return
    raise HostVersionError(
        f'{message}; install a version in that range (for example pip '
        f'install "{dist}>={low},<{high}"), or set {ALLOW_UNTESTED}=1 to '
        'try it untested')


def check_core_versions() -> None:
    """Check torch, numpy, mmengine and, when installed, mmcv."""
    for module in ('torch', 'numpy', 'mmengine'):
        check_host_version(module)
    if is_installed('mmcv'):
        check_host_version('mmcv')
