# Copyright (c) mmpfb contributors. All rights reserved.
"""BatchNorm concerns of running a part of a model on a subset of the
batch."""
from contextlib import contextmanager
from typing import Iterable, Iterator

import torch.nn as nn
from mmengine.dist import get_world_size
from torch.nn.modules.batchnorm import _BatchNorm


@contextmanager
def frozen_norm_statistics(modules: Iterable[nn.Module]) -> Iterator[None]:
    """Restore the running statistics of BatchNorm layers on exit, so a
    forward pass in training mode leaves no trace in them."""
    saved = []
    for m in modules:
        if isinstance(m, _BatchNorm) and m.track_running_stats:
            saved.append((m, m.running_mean.clone(), m.running_var.clone(),
                          m.num_batches_tracked.clone()))
    try:
        yield
    finally:
        for m, mean, var, num in saved:
            m.running_mean.copy_(mean)
            m.running_var.copy_(var)
            m.num_batches_tracked.copy_(num)


def has_single_sample_unsafe_norm(modules: Iterable[nn.Module]) -> bool:
    """Whether a BatchNorm in training mode would see a lone sample.

    A plain BatchNorm after a global pool (DeepLabV3's ASPP image pooling)
    fails on one sample; SyncBatchNorm across two or more ranks does not.
    """
    synced = get_world_size() > 1
    for m in modules:
        if isinstance(m, _BatchNorm) and m.training:
            if not (synced and isinstance(m, nn.SyncBatchNorm)):
                return True
    return False
