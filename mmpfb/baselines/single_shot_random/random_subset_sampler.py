# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, List, Optional, Sized

import numpy as np
from mmengine.dataset import DefaultSampler
from mmengine.dist import sync_random_seed
from mmengine.logging import print_log
from torch.utils.data import Subset

from mmpfb.registry import DATA_SAMPLERS
from mmpfb.utils.arg_checks import check_int, check_number

#: Second word of the subset's seed sequence, so that the subset's draw
#: is a stream apart from the epochs' orders (``seed + epoch``).
SUBSET_STREAM = 1


def draw_subset(num_samples: int, num_kept: int, seed: int) -> List[int]:
    """A uniform random subset of ``range(num_samples)``.

    Depends on its arguments only (NumPy's ``SeedSequence([seed, 1])``),
    so every rank, epoch and resumed run draws the same one.

    Args:
        num_samples (int): Size of the data set.
        num_kept (int): Size of the subset, at most ``num_samples``.
        seed (int): Seed of the draw, >= 0.

    Returns:
        list[int]: The subset's indices, ascending.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, SUBSET_STREAM]))
    chosen = rng.choice(num_samples, size=num_kept, replace=False)
    return np.sort(chosen).tolist()


@DATA_SAMPLERS.register_module()
class RandomSubsetSampler(DefaultSampler):
    """``DefaultSampler`` over one random subset of the data set: the
    single-shot random pruning baseline.

    Once, when it is built, the sampler draws ``round((1 - prune_ratio)
    * len(dataset))`` samples (at least one) uniformly without
    replacement (:func:`draw_subset`) and trains on them alone for the
    whole run: every epoch is a ``DefaultSampler`` epoch over the subset
    (a new order per epoch from ``seed + epoch``, ``round_up`` padding,
    each rank its share). An epoch, and so the data loader's ``len()``,
    is shorter by ``prune_ratio``; the config's schedule keeps its
    epochs, and schedulers converted to iterations
    (``convert_to_iter_based``) count the shorter epochs.

    The subset depends only on the subset's seed and the data set's
    length: it is the same on every rank and in every epoch, and a
    resumed run, which re-creates the sampler, draws it again. The
    seed is ``subset_seed``, or else ``seed``, which the ``Runner`` sets
    to the run's seed. With no ``randomness.seed`` in the config the
    ``Runner`` draws a new seed each time it starts and builds the
    sampler before it reads the checkpoint's, so for a run that is to
    be resumed set ``randomness.seed`` or ``subset_seed``.

    Calls: ``__init__`` draws the subset and hands
    ``Subset(dataset, kept)`` to ``DefaultSampler`` (so ``self.dataset``
    is that subset); ``__iter__`` maps the parent's positions in the
    subset to data set indices.

    Args:
        dataset (Sized): The training data set.
        shuffle (bool): Permute the subset each epoch. Defaults to True.
        seed (int, optional): Base seed of the epochs' orders (and of the
            subset without ``subset_seed``); None draws one shared by all
            ranks. Defaults to None.
        round_up (bool): Pad each epoch to a multiple of the world size.
            Defaults to True.
        prune_ratio (float): Fraction of the data set left out, in
            [0, 1). Defaults to 0.5.
        subset_seed (int, optional): Seed of the subset, >= 0; None takes
            ``seed``. Defaults to None.
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True,
                 prune_ratio: float = 0.5,
                 subset_seed: Optional[int] = None) -> None:
        check_number('prune_ratio', prune_ratio, 0, 1)
        check_int('subset_seed', subset_seed, 0, optional=True)
        num_samples = len(dataset)
        if num_samples < 1:
            raise ValueError('dataset must hold at least one sample, but '
                             f'got {num_samples} samples')
        if seed is None:
            seed = sync_random_seed()  # DefaultSampler's, drawn first
        if subset_seed is None:
            check_int('seed', seed, 0)
        self.prune_ratio = float(prune_ratio)
        self.subset_seed = seed if subset_seed is None else subset_seed
        self.num_kept = max(1, int(round((1 - prune_ratio) * num_samples)))
        kept = draw_subset(num_samples, self.num_kept, self.subset_seed)
        super().__init__(
            dataset=Subset(dataset, kept),
            shuffle=shuffle,
            seed=seed,
            round_up=round_up)
        print_log(
            f'RandomSubsetSampler: training on {self.num_kept} of '
            f'{num_samples} samples (prune_ratio={self.prune_ratio}, '
            f'subset seed {self.subset_seed})',
            logger='current')

    @property
    def kept_indices(self) -> List[int]:
        """The subset's data set indices, ascending."""
        return self.dataset.indices

    def __iter__(self) -> Iterator[int]:
        """Iterate this rank's share of the epoch's order of the subset."""
        kept = self.kept_indices
        return (kept[position] for position in super().__iter__())
