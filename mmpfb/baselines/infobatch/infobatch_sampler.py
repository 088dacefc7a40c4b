# Copyright (c) mmpfb contributors. All rights reserved.
import math
from typing import Iterator, List, Optional, Sized, Tuple, Union

from mmengine.dataset import DefaultSampler

from mmpfb.registry import DATA_SAMPLERS
from .infobatch_sampler_mixin import InfoBatchSamplerMixin


@DATA_SAMPLERS.register_module()
class InfoBatchSampler(InfoBatchSamplerMixin, DefaultSampler):
    """``DefaultSampler`` whose epochs are InfoBatch passes.

    Each epoch visits the samples that :class:`InfoBatchPruner` keeps,
    drawn from the scores of the epochs before; the epoch is therefore
    shorter than the data set, and ``len()`` of the sampler (and of the
    data loader) follows it. Sharding over ranks and ``round_up`` are
    the parent's. Needs :class:`mmpfb.baselines.infobatch.InfoBatchHook` and an
    InfoBatch model.

    Args:
        dataset (Sized): The data set.
        shuffle (bool): Permute each epoch. Defaults to True.
        seed (int, optional): Base seed; None draws one shared by all
            ranks. Defaults to None.
        round_up (bool): Pad each epoch to a multiple of the world size.
            Defaults to True.
        prune_ratio (float): See :class:`InfoBatchPruner`.
            Defaults to 0.5.
        delta (float): See :class:`InfoBatchPruner`. Defaults to 0.875.
        threshold (str | float): See :class:`InfoBatchPruner`.
            Defaults to ``'mean'``.
        saved_ratio (float, optional): See :class:`InfoBatchPruner`.
            Defaults to None.
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True,
                 prune_ratio: float = 0.5,
                 delta: float = 0.875,
                 threshold: Union[str, float] = 'mean',
                 saved_ratio: Optional[float] = None) -> None:
        super().__init__(
            dataset=dataset, shuffle=shuffle, seed=seed, round_up=round_up)
        self.init_pruner(dataset, prune_ratio, delta, threshold, saved_ratio)

    def current_pass(self) -> dict:
        """The pass of ``self.epoch``, drawn on first use."""
        if self.epoch not in self.pruner.passes:
            if self.pruner.num_passes > self.epoch:
                raise RuntimeError(
                    f'InfoBatchSampler went back to epoch {self.epoch} '
                    f'after drawing {self.pruner.num_passes} passes')
            while self.pruner.num_passes <= self.epoch:
                self.pruner.new_pass()
        return self.pruner.passes[self.epoch]

    def _sizes(self, length: int) -> Tuple[int, int]:
        """Samples per rank and in all ranks for a pass of ``length``."""
        if self.round_up:
            per_rank = math.ceil(length / self.world_size)
            return per_rank, per_rank * self.world_size
        return math.ceil((length - self.rank) / self.world_size), length

    def full_length(self) -> int:
        """Samples per rank in an epoch without pruning."""
        return self._sizes(len(self.dataset))[0]

    def __iter__(self) -> Iterator[int]:
        """Iterate this rank's share of the epoch's kept samples."""
        order = self.current_pass()['order'].tolist()
        _, total = self._sizes(len(order))
        order = (order * int(total / len(order) + 1))[:total]
        return iter(order[self.rank:total:self.world_size])

    def __len__(self) -> int:
        """The number of samples in this rank this epoch."""
        return self._sizes(len(self.current_pass()['order']))[0]

    def batch_entries(self, position: int,
                      count: int) -> Tuple[List[int], List[float], int]:
        """See :meth:`InfoBatchSamplerMixin.batch_entries`; ``position``
        counts from the start of the epoch."""
        length = len(self.current_pass()['order'])
        offsets = [(self.rank + self.world_size * m) % length
                   for m in range(position, position + count)]
        return (*self.pruner.entries(self.epoch, offsets), self.epoch)
