# Copyright (c) mmpfb contributors. All rights reserved.
"""A tiny runner on a toy regression model, built from objects (nothing
is registered), for the tests of the quiet runner, the progress hook and
the training measurements."""
import itertools
import warnings
from typing import Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import DataLoader, Dataset

TOY_WARNING = 'toy model built'


class ToyData(Dataset):

    def __len__(self) -> int:
        return 6

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=torch.full((2, ), float(index)))


class ToyModel(BaseModel):
    """Linear regression whose losses also report given keep ratios; its
    training step warns."""

    def __init__(self, keep_ratios: Optional[Sequence[float]] = None):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.keep_ratios = list(keep_ratios or [])

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            warnings.warn(TOY_WARNING)
            losses = dict(loss=out.pow(2).mean())
            if self.keep_ratios:
                losses['pfb_keep_ratio'] = torch.tensor(
                    self.keep_ratios.pop(0))
            return losses
        return [dict(value=float(v)) for v in out]


class ToyMetric(BaseMetric):

    def process(self, data_batch, data_samples) -> None:
        self.results.extend(s['value'] for s in data_samples)

    def compute_metrics(self, results) -> dict:
        return dict(mean=sum(results) / len(results))


# Unique per runner: MMEngine shares a logger, message hub and visualizer
# among runners of the same experiment name.
TOY_RUNNER_NUMBER = itertools.count()


def toy_runner_kwargs(work_dir: str,
                      max_iters: int = 4,
                      keep_ratios: Optional[Sequence[float]] = None) -> dict:
    """Keyword arguments of a :class:`~mmengine.runner.Runner` (or
    subclass) that trains ``max_iters`` iterations and tests 3 batches."""
    return dict(
        model=ToyModel(keep_ratios),
        work_dir=work_dir,
        train_dataloader=DataLoader(
            ToyData(), batch_size=2, shuffle=False, collate_fn=collate),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        test_dataloader=DataLoader(
            ToyData(), batch_size=2, shuffle=False, collate_fn=collate),
        test_cfg=dict(),
        test_evaluator=[ToyMetric()],
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(
                type='CheckpointHook', by_epoch=False, interval=max_iters)),
        log_processor=dict(by_epoch=False, window_size=1),
        experiment_name=f'toy_{next(TOY_RUNNER_NUMBER)}')


def collate(batch: list) -> dict:
    return dict(inputs=torch.stack([b['inputs'] for b in batch]))
