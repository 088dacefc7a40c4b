# Copyright (c) mmpfb contributors. All rights reserved.
"""One training iteration as MMEngine's runner does it, and the autocast
it runs under."""
from contextlib import nullcontext
from typing import Callable, ContextManager

import torch
import torch.nn as nn
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from torch.optim import SGD

# the mixed precision dtype per device type: fp16 on CUDA, bf16 (the only
# one CPU autocast supports) on the CPU
AMP_DTYPES = dict(cuda=torch.float16, cpu=torch.bfloat16)


def amp_autocast(amp: bool, device: torch.device) -> ContextManager:
    """The autocast of the training step, for every measurement that
    stands for part of it.

    Args:
        amp (bool): Mixed precision; False returns a context that does
            nothing.
        device (torch.device): The device the model runs on.

    Returns:
        ContextManager: ``torch.autocast`` on ``device``'s type in its
        dtype of :data:`AMP_DTYPES`, or a null context.
    """
    if not amp:
        return nullcontext()
    return torch.autocast(device.type, dtype=AMP_DTYPES[device.type])


def make_train_step(model: nn.Module,
                    amp: bool = False) -> Callable[..., dict]:
    """A callable ``step(inputs, samples) -> log_vars``: the model's
    losses, backward and an optimizer step through MMEngine's optimizer
    wrapper (SGD with a negligible learning rate).

    The losses are computed under :func:`amp_autocast` on the model's
    device in place of the wrapper's ``optim_context``: the
    ``AmpOptimWrapper``'s enters the same autocast on the default device,
    the plain wrapper's does nothing for a model that is not distributed.

    Args:
        model (nn.Module): The model to train.
        amp (bool): Mixed precision (:data:`AMP_DTYPES`) with MMEngine's
            ``AmpOptimWrapper`` (dynamic loss scale; it needs an
            accelerator). Defaults to False.

    Returns:
        Callable[..., dict]: The step.
    """
    device = next(model.parameters()).device
    optimizer = SGD(model.parameters(), lr=1e-9)
    wrapper = AmpOptimWrapper(
        optimizer=optimizer, dtype=AMP_DTYPES[device.type]) \
        if amp else OptimWrapper(optimizer=optimizer)

    def step(inputs, samples) -> dict:
        with amp_autocast(amp, device):
            losses = model.loss(inputs, samples)
        total, log_vars = model.parse_losses(losses)
        wrapper.update_params(total)
        return log_vars

    return step
