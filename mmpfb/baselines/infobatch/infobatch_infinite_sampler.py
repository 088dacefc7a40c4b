# Copyright (c) mmpfb contributors. All rights reserved.
import itertools
from typing import Iterator, List, Optional, Sized, Tuple, Union

from mmengine.dataset import InfiniteSampler

from mmpfb.registry import DATA_SAMPLERS
from .infobatch_sampler_mixin import InfoBatchSamplerMixin


@DATA_SAMPLERS.register_module()
class InfoBatchInfiniteSampler(InfoBatchSamplerMixin, InfiniteSampler):
    """``InfiniteSampler`` whose sweeps over the data set are InfoBatch
    passes.

    The stream of indices is the concatenation of the passes, each the
    samples that :class:`InfoBatchPruner` keeps, in a random order; rank
    ``r`` of ``W`` takes every ``W``-th index from ``r`` as the parent
    does, so the ranks hold disjoint shards of every pass. A pass with
    pruning is drawn by :class:`mmpfb.baselines.infobatch.InfoBatchHook` after
    an iteration, on every rank from the same scores, early enough for
    the data loader's prefetching; the sampler draws passes itself only
    while no sample has a score (those keep everything). All passes are
    kept so that a resumed run replays the stream exactly.

    Args:
        dataset (Sized): The data set.
        shuffle (bool): Permute each pass. Defaults to True.
        seed (int, optional): Base seed; None draws one shared by all
            ranks. Defaults to None.
        prune_ratio (float): See :class:`InfoBatchPruner`.
            Defaults to 0.5.
        delta (float): See :class:`InfoBatchPruner`. Defaults to 0.875.
        threshold (str | float): See :class:`InfoBatchPruner`.
            Defaults to ``'mean'``.
        saved_ratio (float, optional): See :class:`InfoBatchPruner`.
            Defaults to None.
    """

    keep_history = True

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 prune_ratio: float = 0.5,
                 delta: float = 0.875,
                 threshold: Union[str, float] = 'mean',
                 saved_ratio: Optional[float] = None) -> None:
        super().__init__(dataset=dataset, shuffle=shuffle, seed=seed)
        self.init_pruner(dataset, prune_ratio, delta, threshold, saved_ratio)

    def _infinite_indices(self) -> Iterator[int]:
        """Yield the passes one after the other."""
        for index in itertools.count():
            if index >= self.pruner.num_passes:
                if self.pruner.has_scores:
                    raise RuntimeError(
                        'InfoBatchInfiniteSampler ran out of passes: '
                        'mmpfb.InfoBatchHook must be in custom_hooks to '
                        'draw them')
                self.pruner.new_pass()
            yield from self.pruner.passes[index]['order'].tolist()

    def drawn_until(self) -> int:
        """How many stream positions the drawn passes cover."""
        last = self.pruner.passes.get(self.pruner.num_passes - 1)
        return 0 if last is None else last['start'] + len(last['order'])

    def draw_until(self, position: int) -> None:
        """Draw passes until they cover stream ``position``."""
        while self.drawn_until() <= position:
            self.pruner.new_pass()

    def virtual_position(self, position: int) -> Tuple[int, int]:
        """Stream ``position`` in samples of the run without pruning.

        Returns:
            tuple: ``(numerator, denominator)`` of the position: a pass
            ``k`` of ``L`` samples maps its ``o``-th sample to
            ``k N + o N / L`` for a data set of ``N``.
        """
        index = self.pruner.pass_of(position)
        if index is None:
            raise RuntimeError(
                f'stream position {position} lies beyond the drawn passes')
        item = self.pruner.passes[index]
        length, size = len(item['order']), self.size
        return (index * size * length + (position - item['start']) * size,
                length)

    def batch_entries(self, position: int,
                      count: int) -> Tuple[List[int], List[float], int]:
        """See :meth:`InfoBatchSamplerMixin.batch_entries`; ``position``
        counts this rank's samples over the whole stream."""
        globals_ = [
            self.rank + self.world_size * m
            for m in range(position, position + count)
        ]
        indices, weights, first = [], [], None
        for position_ in globals_:
            index = self.pruner.pass_of(position_)
            first = index if first is None else first
            start = self.pruner.passes[index]['start']
            sample, weight = self.pruner.entries(index, [position_ - start])
            indices += sample
            weights += weight
        return indices, weights, first
