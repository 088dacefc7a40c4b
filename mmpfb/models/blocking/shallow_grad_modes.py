# Copyright (c) mmpfb contributors. All rights reserved.
"""The shallow part under the two ``shallow_grad`` modes
(``docs/design.md`` 1): ``'reuse'`` runs it once, with gradients, on the
whole batch and hands the deep part the kept rows; ``'recompute'`` runs
it on the whole batch only to score, then again on the kept inputs."""
from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor

from .batch_norm_utils import frozen_norm_statistics
from .splitters import BaseSplitter, ShallowState


def scoring_state(splitter: BaseSplitter, backbone: nn.Module, inputs: Tensor,
                  recompute: bool) -> ShallowState:
    """The shallow part on the whole batch; for ``recompute`` only to
    score: under ``no_grad``, leaving the norm statistics as they were
    and no autocast weight copies behind.

    Args:
        splitter (BaseSplitter): How the backbone is cut.
        backbone (nn.Module): The backbone.
        inputs (Tensor): The whole batch.
        recompute (bool): The step recomputes the kept rows.

    Returns:
        ShallowState: The shallow state of every sample.
    """
    if not recompute:
        return splitter.forward_shallow(backbone, inputs)
    with torch.no_grad(), frozen_norm_statistics(
            splitter.shallow_modules(backbone)):
        state = splitter.forward_shallow(backbone, inputs)
    # Autocast caches its low-precision copies of the weights until its
    # region ends. torch releases without the fix of pytorch#158232
    # (merged December 2025; torch 2.1 among them) cache them under
    # no_grad too, without autograd history, and the recompute pass would
    # reuse them: no gradient would reach the shallow weights. Dropping
    # the cache costs one cast per shallow weight (docs/robustness.md).
    torch.clear_autocast_cache()
    return state


def deep_input(splitter: BaseSplitter, backbone: nn.Module, inputs: Tensor,
               state: ShallowState, keep: Optional[Tensor],
               recompute: bool) -> ShallowState:
    """What the deep part runs on: the kept rows of ``state``, or with
    ``recompute`` the shallow part run again, with gradients, on the kept
    inputs (all of them when every row is kept).

    Args:
        splitter (BaseSplitter): How the backbone is cut.
        backbone (nn.Module): The backbone.
        inputs (Tensor): The whole batch.
        state (ShallowState): :func:`scoring_state`'s result.
        keep (Tensor, optional): The kept rows; None: all.
        recompute (bool): The step recomputes the kept rows.

    Returns:
        ShallowState: The shallow state of the kept samples.
    """
    if recompute:
        kept_inputs = inputs if keep is None else inputs.index_select(0, keep)
        return splitter.forward_shallow(backbone, kept_inputs)
    return state if keep is None else state.index_select(keep)
