# Copyright (c) mmpfb contributors. All rights reserved.
import sys

from mmpfb.utils import is_installed


def test_is_installed_does_not_import(monkeypatch):
    assert is_installed('json')
    assert not is_installed('surely_not_a_module_of_mmpfb')
    monkeypatch.setitem(sys.modules, 'hidden_host', None)
    assert not is_installed('hidden_host')
