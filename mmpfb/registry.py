# Copyright (c) mmpfb contributors. All rights reserved.
"""mmpfb's registries: children of MMEngine's roots in scope ``mmpfb``.

A config in any host scope can name ``type='mmpfb.PFBEncoderDecoder'``:
MMEngine imports this module for the ``mmpfb`` scope and the
``locations`` below register the parts on first use. The parts are also
registered in their host's own registries, so the unscoped
``type='PFBEncoderDecoder'`` works in an ``mmseg`` config once mmpfb is
imported (``custom_imports`` or mmpfb's ``tools/train.py``).
"""
from importlib import import_module

from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import Registry

from mmpfb.utils import is_installed

HOST_SCOPES = ('mmseg', 'mmpretrain')

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='mmpfb', locations=['mmpfb.models'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='mmpfb',
    locations=['mmpfb.engine'])
DATASETS = Registry(
    'dataset',
    parent=MMENGINE_DATASETS,
    scope='mmpfb',
    locations=['mmpfb.datasets'])


def register_in_host_scopes(registry_name: str, module: type) -> None:
    """Also register ``module`` in each installed host's registry.

    Args:
        registry_name (str): The registry's name in ``<host>.registry``,
            e.g. ``'HOOKS'``.
        module (type): The class to register under its own name.
    """
    for scope in HOST_SCOPES:
        if is_installed(scope):
            registry = getattr(import_module(f'{scope}.registry'),
                               registry_name)
            registry.register_module(module=module)
