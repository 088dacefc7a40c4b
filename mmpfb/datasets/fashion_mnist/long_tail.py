# Copyright (c) mmpfb contributors. All rights reserved.
"""The long-tail rule shared by the classification and the scene data.

Exponential profile as in the CIFAR-LT literature (Cui et al., CVPR 2019;
Cao et al., NeurIPS 2019): class ``c`` of ``C`` (in the order given, the
labels' own order by default) gets

.. math::

    n_c = \\lfloor n_{max} \\cdot \\rho^{-c / (C - 1)} \\rfloor

samples (at least 1), with imbalance factor
:math:`\\rho = n_0 / n_{C-1}` (100 by default). For Fashion-MNIST
(``n_max`` = 6000) that is 6000, 3596, 2156, 1292, 774, 464, 278, 166,
100 and 60 samples for T-shirt/top, Trouser, Pullover, Dress, Coat,
Sandal, Shirt, Sneaker, Bag and Ankle boot: 14886 in all. Which samples
of a class are kept is a uniform draw from a seed.
"""
from typing import List, Sequence

import numpy as np

from ..arg_checks import check_min_ints

# Tolerance of the floor: 6000 * 100 ** -1 is 60.0, not 59.999...
FLOOR_TOLERANCE = 1e-9


def long_tail_counts(max_per_class: int,
                     num_classes: int,
                     imbalance_factor: float = 100.) -> List[int]:
    """Samples per class position under the exponential profile.

    Args:
        max_per_class (int): ``n_max``, the count of the first class.
        num_classes (int): ``C``, at least 2.
        imbalance_factor (float): ``rho``, the first class's count over
            the last one's; 1 gives a balanced set. Defaults to 100.

    Returns:
        list[int]: ``n_c`` for ``c = 0 .. C - 1`` (at least 1 each),
        non-increasing.
    """
    check_min_ints([('max_per_class', max_per_class, 1),
                    ('num_classes', num_classes, 2)])
    if not imbalance_factor >= 1:
        raise ValueError(f'imbalance_factor must be >= 1, but got '
                         f'{imbalance_factor!r}')
    counts = []
    for c in range(num_classes):
        share = imbalance_factor**(-c / (num_classes - 1))
        count = np.floor(max_per_class * share + FLOOR_TOLERANCE)
        counts.append(max(1, int(count)))
    return counts


def long_tail_indices(labels: Sequence[int], counts: Sequence[int],
                      class_order: Sequence[int], seed: int) -> np.ndarray:
    """Indices of a subset with ``counts[k]`` samples of ``class_order[k]``.

    Args:
        labels (Sequence[int]): The label of every sample.
        counts (Sequence[int]): How many to keep, per class position.
        class_order (Sequence[int]): The label at each position.
        seed (int): Seed of the draw within each class.

    Returns:
        np.ndarray: The kept indices, in increasing order.
    """
    labels = np.asarray(labels)
    if len(counts) != len(class_order):
        raise ValueError(f'{len(counts)} counts for {len(class_order)} '
                         f'classes in class_order {list(class_order)}')
    rng = np.random.default_rng(seed)
    kept = []
    for label, count in zip(class_order, counts):
        members = np.flatnonzero(labels == label)
        if count > len(members):
            raise ValueError(
                f'class {label} has {len(members)} samples, fewer than the '
                f'{count} that the long-tail profile asks for; lower '
                f'max_per_class')
        kept.append(rng.choice(members, count, replace=False))
    return np.sort(np.concatenate(kept))
