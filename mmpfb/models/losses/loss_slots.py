# Copyright (c) mmpfb contributors. All rights reserved.
"""Where the host models keep their loss modules, for
:meth:`~mmpfb.models.losses.PerSampleLossMixin._loss_slots`. Plain
torch: the host classes are only read, never imported."""
from typing import Iterator, Tuple

import torch.nn as nn


def segmentor_loss_slots(model: nn.Module) -> Iterator[Tuple[nn.Module, str]]:
    """Every loss module of a segmentor's decode head (each stage of a
    cascade) and auxiliary heads.

    Args:
        model (nn.Module): An MMSegmentation ``EncoderDecoder``.

    Yields:
        tuple[nn.Module, str]: The loss module's owner and attribute.
    """
    groups = [model.decode_head]
    if model.with_auxiliary_head:
        groups.append(model.auxiliary_head)
    heads = [
        head for group in groups
        for head in (group if isinstance(group, nn.ModuleList) else [group])
    ]
    for head in heads:
        if isinstance(head.loss_decode, nn.ModuleList):
            for i in range(len(head.loss_decode)):
                yield head.loss_decode, str(i)
        else:
            yield head, 'loss_decode'


def classifier_loss_slots(model: nn.Module) -> Iterator[Tuple[nn.Module, str]]:
    """The loss module of a classifier's ``ClsHead``.

    Args:
        model (nn.Module): An MMPretrain ``ImageClassifier``.

    Yields:
        tuple[nn.Module, str]: The head and ``'loss_module'``.

    Raises:
        TypeError: If the head has no ``loss_module``.
    """
    if not hasattr(model.head, 'loss_module'):
        raise TypeError(
            f"{type(model).__name__} needs each sample's loss from the "
            f'loss_module of a ClsHead, but head={type(model.head).__name__} '
            'has none')
    yield model.head, 'loss_module'
