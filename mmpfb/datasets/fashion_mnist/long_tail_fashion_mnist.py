# Copyright (c) mmpfb contributors. All rights reserved.
"""Fashion-MNIST with a long-tailed (or balanced) class profile."""
from typing import List, Optional, Sequence

from mmpretrain.datasets import FashionMNIST
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS

from mmpfb.registry import DATASETS
from .long_tail import long_tail_counts, long_tail_indices


@DATASETS.register_module()
class LongTailFashionMNIST(FashionMNIST):
    """MMPretrain's ``FashionMNIST`` cut to a long-tailed class profile.

    The host class loads the split; :meth:`filter_data` then keeps
    ``n_c = floor(max_per_class * imbalance_factor ** (-c / 9))`` samples
    of the class at position ``c`` of ``class_order``, drawn uniformly
    from ``subset_seed`` (see :mod:`mmpfb.datasets.fashion_mnist.long_tail`).
    With the defaults the training set shrinks from 6000 per class to
    6000 T-shirts/tops ... 60 ankle boots (14886 samples).
    ``imbalance_factor=1`` gives a balanced subset of ``max_per_class``
    per class. MMEngine's ``indices`` still applies, after this cut.

    Note:
        As in the host class, ``test_mode`` and not ``split`` picks the
        files: ``test_mode=False`` reads the 60k training files,
        ``test_mode=True`` the 10k test files.

    Args:
        max_per_class (int): Samples of the first class. Defaults to 6000.
        imbalance_factor (float): First class's count over the last one's;
            1 gives a balanced subset. Defaults to 100.
        class_order (Sequence[int], optional): The labels from commonest
            to rarest. Defaults to None: the label order 0, 1, ..., 9.
        subset_seed (int): Seed of the draw within each class.
            Defaults to 0.
        download (bool): Whether the host may download missing files; see
            ``tools/dataset_converters/prepare_fashion_mnist.py`` for the
            offline way. Defaults to False.
        **kwargs: The host's arguments (``data_root``, ``split``,
            ``test_mode``, ``pipeline``, ...).
    """

    def __init__(self,
                 max_per_class: int = 6000,
                 imbalance_factor: float = 100.,
                 class_order: Optional[Sequence[int]] = None,
                 subset_seed: int = 0,
                 download: bool = False,
                 **kwargs) -> None:
        num_classes = len(self.METAINFO['classes'])
        self.class_counts = long_tail_counts(max_per_class, num_classes,
                                             imbalance_factor)
        if class_order is None:
            class_order = range(num_classes)
        self.class_order = [int(label) for label in class_order]
        if sorted(self.class_order) != list(range(num_classes)):
            raise ValueError(f'class_order must order the labels 0..'
                             f'{num_classes - 1}, but got {class_order!r}')
        self.subset_seed = subset_seed
        super().__init__(download=download, **kwargs)

    def filter_data(self) -> List[dict]:
        """Keep the long-tailed subset of the loaded split.

        Returns:
            list[dict]: The kept data infos, in the split's order.
        """
        labels = [int(info['gt_label']) for info in self.data_list]
        kept = long_tail_indices(labels, self.class_counts, self.class_order,
                                 self.subset_seed)
        return [self.data_list[i] for i in kept]


MMPRETRAIN_DATASETS.register_module(module=LongTailFashionMNIST)
