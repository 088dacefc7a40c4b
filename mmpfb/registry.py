# Copyright (c) mmpfb contributors. All rights reserved.
"""mmpfb's registries.

``MODELS`` and ``HOOKS`` are children of MMEngine's roots in scope
``mmpfb``: a config in any host scope can name
``type='mmpfb.PFBEncoderDecoder'``, MMEngine imports this module for the
``mmpfb`` scope and the ``locations`` below import the parts on first use.
Importing this module imports no host library.

``DATASETS`` holds the real-data sets (long-tailed Fashion-MNIST) and
``DATA_SAMPLERS`` the baselines' samplers, both children of MMEngine's.
The InfoBatch baseline (:mod:`mmpfb.baselines.infobatch`) is one more
location of ``MODELS``, ``HOOKS`` and ``DATA_SAMPLERS``, single-shot
random pruning (:mod:`mmpfb.baselines.single_shot_random`) one more of
``DATA_SAMPLERS``: the library never imports them, the registries do
when a config names their parts.
``SPLITTERS`` holds the backbone splitters (see
:class:`mmpfb.models.blocking.splitters.BaseSplitter`); a package of
your own adds a backbone by registering a splitter there (see
``docs/backbones.md``).
"""
from importlib import import_module

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import Registry

from mmpfb.utils.host_libraries import is_installed

HOST_SCOPES = ('mmseg', 'mmpretrain')

#: The baselines' packages, more locations of the registries they use.
BASELINES = 'mmpfb.baselines.infobatch'
SINGLE_SHOT_RANDOM = 'mmpfb.baselines.single_shot_random'

MODELS = Registry(
    'model',
    parent=MMENGINE_MODELS,
    scope='mmpfb',
    locations=['mmpfb.models', BASELINES])
HOOKS = Registry(
    'hook',
    parent=MMENGINE_HOOKS,
    scope='mmpfb',
    locations=['mmpfb.engine', BASELINES])
DATASETS = Registry(
    'dataset',
    parent=MMENGINE_DATASETS,
    scope='mmpfb',
    locations=['mmpfb.datasets.fashion_mnist.long_tail_fashion_mnist'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS,
    scope='mmpfb',
    locations=[BASELINES, SINGLE_SHOT_RANDOM])
SPLITTERS = Registry(
    'backbone splitter',
    scope='mmpfb',
    locations=['mmpfb.models.blocking.splitters'])


def register_in_host_scopes(registry_name: str, module: type) -> None:
    """Also register ``module`` in each installed host's registry, so the
    unscoped name works in that host's configs.

    Args:
        registry_name (str): The registry's name in ``<host>.registry``,
            e.g. ``'HOOKS'``.
        module (type): The class to register under its own name.
    """
    for scope in HOST_SCOPES:
        if is_installed(scope):
            registry = getattr(
                import_module(f'{scope}.registry'), registry_name)
            registry.register_module(module=module, force=True)
