# Copyright (c) mmpfb contributors. All rights reserved.
"""One training iteration as MMEngine's runner does it."""
from typing import Callable

import torch.nn as nn
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from torch.optim import SGD


def make_train_step(model: nn.Module,
                    amp: bool = False) -> Callable[..., dict]:
    """A callable ``step(inputs, samples) -> log_vars``: the model's
    losses, backward and an optimizer step through MMEngine's optimizer
    wrapper (SGD with a negligible learning rate).

    Args:
        model (nn.Module): The model to train.
        amp (bool): fp16 mixed precision with MMEngine's
            ``AmpOptimWrapper`` (dynamic loss scale; CUDA only).
            Defaults to False.

    Returns:
        Callable[..., dict]: The step.
    """
    optimizer = SGD(model.parameters(), lr=1e-9)
    wrapper = AmpOptimWrapper(optimizer=optimizer, dtype='float16') \
        if amp else OptimWrapper(optimizer=optimizer)

    def step(inputs, samples) -> dict:
        with wrapper.optim_context(model):
            losses = model.loss(inputs, samples)
        total, log_vars = model.parse_losses(losses)
        wrapper.update_params(total)
        return log_vars

    return step
