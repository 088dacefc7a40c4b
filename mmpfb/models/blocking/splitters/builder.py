# Copyright (c) mmpfb contributors. All rights reserved.
import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .base_splitter import BaseSplitter
from .refused_backbones import REFUSED_BACKBONES

EXTENDING_DOC = 'docs/backbones.md'


def _class_key(cls: type) -> str:
    """``'<top-level package>.<class name>'``, as splitters name them."""
    return f'{cls.__module__.split(".")[0]}.{cls.__name__}'


def build_splitter(backbone: nn.Module, block_stage: int) -> BaseSplitter:
    """The registered splitter for ``backbone``, cutting after
    ``block_stage``.

    The backbone's class and then its bases are looked up, most derived
    first, in the :attr:`BaseSplitter.backbones` of every splitter in
    :data:`mmpfb.registry.SPLITTERS` and in :data:`REFUSED_BACKBONES`;
    the class found must not have its ``forward`` overridden by the
    backbone's own class.

    Args:
        backbone (nn.Module): The backbone to split.
        block_stage (int): Last stage of the shallow part.

    Returns:
        BaseSplitter: The splitter.

    Raises:
        TypeError: If no registered splitter covers the backbone; the
            message names its type and, for a backbone in
            :data:`REFUSED_BACKBONES`, why PFB does not split it, else the
            supported types and where adding one is documented.
        ValueError: If ``block_stage`` is outside the backbone's range.
    """
    SPLITTERS.import_from_location()
    splitters = list(SPLITTERS.module_dict.values())
    backbone_type = type(backbone)
    for cls in backbone_type.__mro__:
        key = _class_key(cls)
        for splitter in splitters:
            if key in splitter.backbones:
                if backbone_type.forward is not cls.forward:
                    raise TypeError(
                        f'PFB cannot split backbone {backbone_type.__name__}'
                        f': it overrides the forward of {key}, which '
                        f'{splitter.__name__} reproduces; register a '
                        f'splitter for it ({EXTENDING_DOC})')
                return splitter(backbone, block_stage)
        if key in REFUSED_BACKBONES:
            raise TypeError(
                f'PFB cannot split backbone {backbone_type.__name__} '
                f'({key}): {REFUSED_BACKBONES[key]} ({EXTENDING_DOC})')
    supported = ', '.join(
        sorted(name for s in splitters for name in s.backbones))
    raise TypeError(
        f'PFB cannot split backbone {backbone_type.__name__} '
        f'({_class_key(backbone_type)}); supported backbones: {supported}. '
        f'To add one, register a splitter in mmpfb.registry.SPLITTERS '
        f'({EXTENDING_DOC}).')
