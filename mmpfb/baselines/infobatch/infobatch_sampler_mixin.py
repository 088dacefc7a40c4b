# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List, Optional, Sized, Tuple, Union

from torch.utils.data import IterableDataset

from .infobatch_pruner import InfoBatchPruner


class InfoBatchSamplerMixin:
    """What both InfoBatch samplers share: the pruner over the data set
    and the map from a batch's positions to its samples and weights.

    :class:`~mmpfb.baselines.infobatch.InfoBatchHook` drives the pruner: it
    plans the run, reports the losses and saves and restores the
    pruner's state with the checkpoint.
    """

    #: Whether pass orders are kept for replay (infinite samplers).
    keep_history = False

    def init_pruner(self, dataset: Sized, prune_ratio: float, delta: float,
                    threshold: Union[str, float],
                    saved_ratio: Optional[float]) -> None:
        """Check the data set and build ``self.pruner``.

        Args:
            dataset (Sized): The training data set.
            prune_ratio (float): See :class:`InfoBatchPruner`.
            delta (float): See :class:`InfoBatchPruner`.
            threshold (str | float): See :class:`InfoBatchPruner`.
            saved_ratio (float, optional): See :class:`InfoBatchPruner`.
        """
        if isinstance(dataset,
                      IterableDataset) or not hasattr(dataset, '__len__'):
            raise TypeError(
                'InfoBatch scores samples by their index, so it needs a '
                'map-style data set with a fixed length, but got '
                f'dataset={type(dataset).__name__}')
        self.pruner = InfoBatchPruner(
            len(dataset),
            prune_ratio=prune_ratio,
            delta=delta,
            threshold=threshold,
            saved_ratio=saved_ratio,
            shuffle=self.shuffle,
            seed=self.seed,
            keep_history=self.keep_history)

    def batch_entries(self, position: int,
                      count: int) -> Tuple[List[int], List[float], int]:
        """The samples a batch was drawn from, and their loss weights.

        Args:
            position (int): How many samples this rank drew before the
                batch, counted as :meth:`batch_position` says.
            count (int): The batch's size.

        Returns:
            tuple: Data set indices, loss weights and the pass index of
            the batch's first sample.
        """
        raise NotImplementedError
