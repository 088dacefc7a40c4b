# Copyright (c) mmpfb contributors. All rights reserved.
"""Training batches for the benchmark: synthetic or from the config's
train dataloader, already through the data preprocessor."""
import copy
import itertools
from typing import List, NamedTuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import Tensor

from .input_shape import InputShape


class Batch(NamedTuple):
    """Model inputs ``(N, C, H, W)`` and their data samples."""
    inputs: Tensor
    samples: list

    def head(self, num: int) -> 'Batch':
        """The first ``num`` samples (fresh copies of the data samples,
        which a training step may change)."""
        return Batch(self.inputs[:num], copy.deepcopy(self.samples[:num]))


def _is_segmentor(model: nn.Module) -> bool:
    return hasattr(model, 'decode_head')


def synthetic_batch(model: nn.Module,
                    shape: InputShape,
                    batch_size: int,
                    device: torch.device,
                    seed: int = 0) -> Batch:
    """Normal random inputs (as normalised images) with uniform random
    labels: a segmentation map for a segmentor (``model.decode_head``),
    one class per image for a classifier.

    Args:
        model (nn.Module): The host model the batch is for.
        shape (InputShape): Shape of one input.
        batch_size (int): N.
        device (torch.device): Device of the inputs and labels.
        seed (int): Seed of the draws. Defaults to 0.

    Returns:
        Batch: The batch.
    """
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(batch_size, *shape, generator=gen)
    size = (shape.height, shape.width)
    if _is_segmentor(model):
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        labels = torch.randint(
            model.num_classes, (batch_size, 1, *size), generator=gen)
        meta = dict(img_shape=size, pad_shape=size, ori_shape=size)
        samples = [
            SegDataSample(
                metainfo=meta, gt_sem_seg=PixelData(data=label.to(device)))
            for label in labels
        ]
    else:
        from mmpretrain.structures import DataSample
        labels = torch.randint(
            model.head.num_classes, (batch_size, ), generator=gen)
        samples = [
            DataSample(metainfo=dict(img_shape=size)).set_gt_label(
                int(label)).to(device) for label in labels
        ]
    return Batch(inputs.to(device), samples)


def real_batches(cfg: Config, model: nn.Module, num_batches: int,
                 batch_size: int, device: torch.device) -> List[Batch]:
    """The first ``num_batches`` batches of ``cfg.train_dataloader``,
    through ``model``'s data preprocessor in training mode (batch
    augments such as mixup included).

    Args:
        cfg (Config): The training config.
        model (nn.Module): A model built from it (its preprocessor is
            used).
        num_batches (int): How many batches.
        batch_size (int): Images per batch; 0 keeps the config's.
        device (torch.device): Where the preprocessor puts them.

    Returns:
        list[Batch]: The batches.
    """
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    if batch_size:
        loader_cfg.batch_size = batch_size
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        preprocessor = model.data_preprocessor.to(device)
        batches = []
        for data in itertools.islice(loader, num_batches):
            data = preprocessor(data, training=True)
            batches.append(Batch(data['inputs'], data['data_samples']))
    if len(batches) < num_batches:
        raise ValueError(f'--real-data {num_batches} asks for more batches '
                         f'than the train dataloader has ({len(batches)})')
    return batches
