# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils import is_installed
from .idx_files import (DEFAULT_SRC, IDX_FILES, INSTALL_COMMAND,
                        prepare_fashion_mnist, read_idx, read_split)
from .long_tail import long_tail_counts, long_tail_indices

__all__ = [
    'DEFAULT_SRC', 'IDX_FILES', 'INSTALL_COMMAND', 'long_tail_counts',
    'long_tail_indices', 'prepare_fashion_mnist', 'read_idx', 'read_split'
]

if is_installed('mmpretrain'):
    from .long_tail_fashion_mnist import LongTailFashionMNIST  # noqa: F401
    __all__ += ['LongTailFashionMNIST']
