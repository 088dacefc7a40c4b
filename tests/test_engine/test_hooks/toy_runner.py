# Copyright (c) mmpfb contributors. All rights reserved.
"""A runner of a toy model without PFB, for hooks that work in any run."""
import itertools

import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import DataLoader


class DropoutToyModel(BaseModel):
    """A linear layer behind dropout, which draws from torch's global
    random generator: the losses depend on its state."""

    def __init__(self):
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.linear = nn.Linear(8, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(self.dropout(torch.stack(inputs)))
        if mode == 'loss':
            return dict(loss=out.pow(2).mean())
        return out


class LossRecord(Hook):
    """Record each iteration's loss."""
    priority = 'LOWEST'

    def __init__(self):
        self.losses = {}

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.losses[runner.iter] = outputs['loss'].item()


# MMEngine names a runner's logger, message hub and visualizer after the
# second it starts; give every runner its own name.
RUNNER_NUMBER = itertools.count()


def toy_runner_cfg(work_dir, max_iters, custom_hooks=()):
    """A seeded run of :class:`DropoutToyModel` on 12 fixed samples, 2 per
    batch, with a checkpoint every 3 iterations.

    Up to 6 iterations read the data once: MMEngine sleeps for 2 seconds
    when a plain data loader starts over.

    Args:
        work_dir (Path): The run's work directory.
        max_iters (int): Training iterations.
        custom_hooks (Sequence[dict | Hook]): The run's custom hooks.
            Defaults to ().

    Returns:
        dict: The runner's arguments.
    """
    torch.manual_seed(0)  # the same initial weights in every run
    samples = torch.randn(12, 8, generator=torch.Generator().manual_seed(0))
    return dict(
        model=DropoutToyModel(),
        work_dir=str(work_dir),
        train_dataloader=DataLoader([dict(inputs=x) for x in samples],
                                    batch_size=2,
                                    collate_fn=pseudo_collate),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=3)),
        custom_hooks=list(custom_hooks),
        randomness=dict(seed=0),
        log_level='WARNING',
        experiment_name=f'toy_runner_{next(RUNNER_NUMBER)}')
