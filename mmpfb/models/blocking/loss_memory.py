# Copyright (c) mmpfb contributors. All rights reserved.
import logging
import math
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.dist import all_gather_object
from mmengine.logging import print_log
from torch import Tensor

from mmpfb.utils.arg_checks import check_int
from mmpfb.utils.loaded_state import empty_buffer_like

#: The data sample metainfo key that holds a sample's data set index
#: (MMEngine's ``BaseDataset.get_data_info`` sets it).
SAMPLE_INDEX_KEY = 'sample_idx'


class LossMemory(nn.Module):
    """The latest training loss of every sample, by its data set index
    (``pfb.loss_memory_weight``, ``docs/pfb_options.md``).

    The buffer ``losses`` (float32, one entry per sample of the training
    data set, NaN while a sample has no loss yet) lives in the model's
    ``state_dict``: checkpoints carry it and ``resume`` restores it
    exactly.

    Its size is ``num_samples``, or, without it, 0 until :meth:`fit`
    (``PFBHook``, before training, with the training data set's length)
    or a checkpoint sets it. Loading a checkpoint whose memory has
    another size than the one set, or fitting a data set of another
    length, raises an error that names both sizes and where the memory's
    came from.

    :meth:`update` all-gathers the indices and losses of every rank, so
    every rank stores the same values and holds the same memory; an index
    that occurs twice in a step keeps its last loss (ranks in order, then
    the batch's order).

    Args:
        num_samples (int, optional): Size of the training data set
            (``pfb.loss_memory_size``). None: set by :meth:`fit` or a
            checkpoint. Defaults to None.
    """

    def __init__(self, num_samples: Optional[int] = None) -> None:
        super().__init__()
        check_int('loss_memory_size', num_samples, 1, optional=True)
        self.register_buffer('losses',
                             torch.full((num_samples or 0, ), math.nan))
        self._origin = f'pfb.loss_memory_size={num_samples}'

    @property
    def num_samples(self) -> int:
        """Samples the memory holds; 0 until it is sized."""
        return self.losses.numel()

    def fit(self, num_samples: int) -> None:
        """Size the memory for a training data set of ``num_samples``,
        or check the size it has.

        Args:
            num_samples (int): Length of the training data set.
        """
        if self.num_samples == 0:
            self.losses = torch.full((num_samples, ),
                                     math.nan,
                                     device=self.losses.device)
            self._origin = 'the training data set'
        elif self.num_samples != num_samples:
            raise ValueError(
                f'the PFB loss memory ({self._origin}) holds '
                f'{self.num_samples} samples, but the training data set has '
                f'{num_samples}: set pfb.loss_memory_size to {num_samples} '
                '(or leave it None), and resume only from checkpoints of '
                'this data set')

    def lookup(self, indices: Sequence[int]) -> Tensor:
        """The remembered losses at ``indices``, NaN where none is.

        Args:
            indices (Sequence[int]): Data set indices.

        Returns:
            Tensor: float32 losses, shape (N, ), on the memory's device.
        """
        return self.losses[self._index(indices)]

    @torch.no_grad()
    def update(self, indices: Sequence[int], losses: Tensor) -> None:
        """Store the losses of this step's trained samples (of every rank
        when distributed).

        Args:
            indices (Sequence[int]): Their data set indices.
            losses (Tensor): Their losses, shape (M, ).
        """
        gathered = all_gather_object((list(indices), losses.float().tolist()))
        latest: Dict[int, float] = {}
        for rank_indices, rank_losses in gathered:
            latest.update(zip(rank_indices, rank_losses))
        index = self._index(list(latest))
        self.losses[index] = torch.tensor(
            list(latest.values()), dtype=self.losses.dtype).to(index.device)

    def _index(self, indices: Sequence[int]) -> Tensor:
        """``indices`` as a LongTensor on the memory's device, checked."""
        if self.num_samples == 0:
            raise RuntimeError(
                'the PFB loss memory (pfb.loss_memory_weight > 0) has no '
                "size: add dict(type='mmpfb.PFBHook') to custom_hooks, "
                'which sizes it to the training data set, or set '
                'pfb.loss_memory_size')
        for index in indices:
            if isinstance(index, bool) or not isinstance(
                    index, int) or not 0 <= index < self.num_samples:
                raise ValueError(
                    f'a data sample has {SAMPLE_INDEX_KEY}={index!r}, '
                    f'outside the PFB loss memory of {self.num_samples} '
                    f'samples ({self._origin}): {SAMPLE_INDEX_KEY} must be '
                    "the sample's index in the training data set")
        return torch.tensor(
            indices, dtype=torch.long).to(
                self.losses.device, non_blocking=True)

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        key = prefix + 'losses'
        saved = state_dict.get(key)
        if saved is None:
            print_log(
                f'PFB: the checkpoint has no loss memory ({key}; trained '
                'without pfb.loss_memory_weight?): every sample starts '
                'without a remembered loss.',
                logger='current',
                level=logging.WARNING)
        elif self.num_samples == 0:
            self.losses = empty_buffer_like(saved, self.losses)
            self._origin = f'the checkpoint\'s {key}'
        elif saved.shape != self.losses.shape:
            raise ValueError(
                f'the checkpoint\'s {key} remembers {saved.numel()} samples, '
                f'but this model\'s PFB loss memory holds {self.num_samples} '
                f'({self._origin}): a checkpoint of another data set? Set '
                'pfb.loss_memory_size to the training data set\'s length, '
                'or load a checkpoint without this key')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def summary(self) -> Dict[str, float]:
        """``memory_seen``: the fraction of the data set with a
        remembered loss (0 while the memory has no size)."""
        if self.num_samples == 0:
            return dict(memory_seen=0.0)
        return dict(
            memory_seen=float(torch.isfinite(self.losses).float().mean()))

    def extra_repr(self) -> str:
        return f'num_samples={self.num_samples}'
