# Copyright (c) mmpfb contributors. All rights reserved.
"""Fashion-MNIST: IDX files and the long-tail rule (numpy only). The
MMPretrain data set ``LongTailFashionMNIST`` lives in
:mod:`.long_tail_fashion_mnist`, imported through the ``DATASETS``
registry's locations or :func:`mmpfb.utils.register_all_modules`."""
from .idx_files import (DEFAULT_DATA_ROOT, DEFAULT_SRC, IDX_FILES,
                        INSTALL_COMMAND, PREPARE_COMMAND,
                        prepare_fashion_mnist, read_idx, read_split,
                        read_splits)
from .long_tail import long_tail_counts, long_tail_indices

__all__ = [
    'DEFAULT_DATA_ROOT', 'DEFAULT_SRC', 'IDX_FILES', 'INSTALL_COMMAND',
    'PREPARE_COMMAND', 'long_tail_counts', 'long_tail_indices',
    'prepare_fashion_mnist', 'read_idx', 'read_split', 'read_splits'
]
