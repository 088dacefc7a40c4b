# Copyright (c) mmpfb contributors. All rights reserved.
"""Data sets for users: Fashion-MNIST files and the long-tail rule (numpy
only: importing this package imports neither torch nor a host). The
MMPretrain data set ``LongTailFashionMNIST`` is imported through the
``DATASETS`` registry's locations or
:func:`mmpfb.utils.register_all_modules`."""
from .fashion_mnist import (DEFAULT_SRC, IDX_FILES, INSTALL_COMMAND,
                            long_tail_counts, long_tail_indices,
                            prepare_fashion_mnist, read_idx, read_split,
                            read_splits)

__all__ = [
    'DEFAULT_SRC', 'IDX_FILES', 'INSTALL_COMMAND', 'long_tail_counts',
    'long_tail_indices', 'prepare_fashion_mnist', 'read_idx', 'read_split',
    'read_splits'
]
