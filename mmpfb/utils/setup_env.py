# Copyright (c) mmpfb contributors. All rights reserved.
from importlib import import_module

from .host_libraries import is_installed


def register_all_modules() -> None:
    """Import and register all of mmpfb's parts, as the hosts' functions
    of the same name do, and load checkpoints safely.

    The models, hooks, metric, data set and the baselines
    (:mod:`mmpfb.baselines.infobatch`,
    :mod:`mmpfb.baselines.single_shot_random`, which the library itself
    never imports) then also answer to their unscoped names
    (``type='PFBEncoderDecoder'``) in the installed hosts' registries,
    and MMEngine reads local checkpoints through
    :func:`~mmpfb.engine.load_local_checkpoint`. Unlike the hosts'
    versions it sets no default scope: mmpfb's parts live inside the
    hosts' configs, whose ``default_scope`` stays ``mmseg`` or
    ``mmpretrain``.
    """
    modules = [
        'mmpfb.models', 'mmpfb.engine', 'mmpfb.baselines.infobatch',
        'mmpfb.baselines.single_shot_random'
    ]
    if is_installed('mmseg'):
        modules.append('mmpfb.evaluation')
    if is_installed('mmpretrain'):
        modules.append('mmpfb.datasets.fashion_mnist.long_tail_fashion_mnist')
    for name in modules:
        import_module(name)
    import_module('mmpfb.engine').use_safe_checkpoint_loader()
