# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny Fashion-MNIST folders for the tests, written by hand."""
import gzip
import os.path as osp
from typing import Dict, Tuple

import numpy as np

from mmpfb.datasets.fashion_mnist import IDX_FILES


def write_idx(path: str, array: np.ndarray) -> None:
    """An unsigned-byte IDX file written from its specification: magic
    0x0000 08 <ndim>, then each dim as a big-endian int32, then the
    bytes; gzipped when ``path`` ends in ``.gz``."""
    array = np.ascontiguousarray(array, np.uint8)
    header = bytes([0, 0, 8, array.ndim]) + b''.join(
        int(n).to_bytes(4, 'big') for n in array.shape)
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'wb') as f:
        f.write(header + array.tobytes())


def write_fashion_mnist(root: str,
                        splits: Dict[str, Tuple[np.ndarray, np.ndarray]],
                        suffix: str = '') -> None:
    """Write ``{split: (images, labels)}`` under MMPretrain's names."""
    for split, (images, labels) in splits.items():
        images_name, labels_name = IDX_FILES[split]
        write_idx(osp.join(root, images_name + suffix), images)
        write_idx(osp.join(root, labels_name + suffix), labels)
