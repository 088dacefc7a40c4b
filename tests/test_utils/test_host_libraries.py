# Copyright (c) mmpfb contributors. All rights reserved.
import subprocess
import sys

import pytest

from mmpfb.utils import (SUPPORTED_VERSIONS, HostVersionError,
                         check_host_version, host_libraries, is_installed)


def test_is_installed_does_not_import(monkeypatch):
    assert is_installed('json')
    assert not is_installed('surely_not_a_module_of_mmpfb')
    monkeypatch.setitem(sys.modules, 'hidden_host', None)
    assert not is_installed('hidden_host')


@pytest.mark.parametrize('dist,found,ok', [
    ('mmsegmentation', '1.2.2', True),
    ('mmsegmentation', '0.30.0', False),
    ('mmcv', '2.0.0rc4', True),
    ('mmcv', '2.0.0rc3', False),
    ('mmcv', '2.2.0', False),
    ('torch', '2.1.2+cu121', True),
    ('torch', '2.0.1', False),
    ('numpy', '1.26.4', True),
    ('numpy', '2.4.0', False),
])
def test_check_host_version(monkeypatch, dist, found, ok):
    module = next(m for m, v in SUPPORTED_VERSIONS.items() if v[0] == dist)
    monkeypatch.setattr(host_libraries, 'version', lambda name: found)
    if ok:
        check_host_version(module)
        return
    _, low, high = SUPPORTED_VERSIONS[module]
    with pytest.raises(HostVersionError) as error:
        check_host_version(module)
    assert f'{dist} {found} is installed' in str(error.value)
    assert f'{dist}>={low},<{high}' in str(error.value)
    assert host_libraries.ALLOW_UNTESTED in str(error.value)


@pytest.mark.parametrize('allow', ['1', '0', ''])
def test_untested_versions_are_allowed_only_when_asked(monkeypatch, allow):
    monkeypatch.setattr(host_libraries, 'version', lambda name: '2.5.2')
    monkeypatch.setenv(host_libraries.ALLOW_UNTESTED, allow)
    if allow != '1':
        with pytest.raises(HostVersionError):
            check_host_version('numpy')
        return
    with pytest.warns(UserWarning, match='numpy 2.5.2 is installed; going'):
        check_host_version('numpy')


# A fresh interpreter in which one host reports an unsupported version.
OLD_HOST = '''
import importlib.metadata as metadata
real = metadata.version
metadata.version = lambda d: {fake!r} if d == {dist!r} else real(d)
import mmpfb.{package}
'''


@pytest.mark.parametrize('package', ['models', 'engine'])
@pytest.mark.parametrize('module,fake', [('mmseg', '0.30.0'),
                                         ('mmcv', '2.2.0'),
                                         ('mmengine', '0.9.1')])
def test_import_names_an_unsupported_host(package, module, fake):
    pytest.importorskip(module)
    dist = SUPPORTED_VERSIONS[module][0]
    code = OLD_HOST.format(fake=fake, dist=dist, package=package)
    run = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True)
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith('mmpfb.utils.host_libraries.HostVersionError')
    assert f'{dist} {fake} is installed' in last
