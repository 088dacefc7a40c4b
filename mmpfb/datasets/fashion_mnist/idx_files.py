# Copyright (c) mmpfb contributors. All rights reserved.
"""Fashion-MNIST's IDX files: find, check, decompress, read.

MMPretrain's ``FashionMNIST`` reads the four uncompressed IDX files from
its ``data_root`` and would download them when they are missing; mmpfb
never downloads. :func:`prepare_fashion_mnist` puts them there from
Debian's ``dataset-fashion-mnist`` package (MIT license) or from a folder
the user names, and fails with the command that installs the package
when neither holds them.

.. code:: text

    out_dir/
      train-images-idx3-ubyte      60000 x 28 x 28 uint8
      train-labels-idx1-ubyte      60000 uint8 labels 0..9
      t10k-images-idx3-ubyte       10000 x 28 x 28 uint8
      t10k-labels-idx1-ubyte       10000 uint8 labels 0..9

:func:`read_idx` parses one file with numpy alone, so that the scene
generator (:mod:`mmpfb.experiments.datasets.fashion_scenes`), an MMSegmentation
tool, does not need MMPretrain's reader.
"""
import gzip
import os
import os.path as osp
import shutil
from typing import Dict, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

DEFAULT_SRC = '/usr/share/datasets/fashion-mnist'
INSTALL_COMMAND = 'apt-get update && apt-get install -y dataset-fashion-mnist'
# The folder the Fashion-MNIST configs read, and the command that fills it.
DEFAULT_DATA_ROOT = 'data/fashion_mnist'
PREPARE_COMMAND = 'python tools/dataset_converters/prepare_fashion_mnist.py'
# The file names MMPretrain's MNIST classes look for, per split.
IDX_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}
# IDX magic number: two zero bytes, the type code, the number of dims.
IDX_UBYTE = 0x08


def read_idx(path: str) -> np.ndarray:
    """Read an unsigned-byte IDX file (gzipped when it ends in ``.gz``).

    Args:
        path (str): The file.

    Returns:
        np.ndarray: uint8 array of the shape the header gives.
    """
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 \
            or data[2] != IDX_UBYTE or not 1 <= data[3] <= 3:
        raise ValueError(f'{path} is not an unsigned-byte IDX file '
                         f'(header {data[:4].hex()!r})')
    ndim = data[3]
    shape = tuple(
        int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(data) - offset != int(np.prod(shape)):
        raise ValueError(f'{path} holds {len(data) - offset} bytes of data '
                         f'but its header says {shape}')
    return np.frombuffer(data, np.uint8, offset=offset).reshape(shape)


def read_split(root: str, split: str) -> Tuple[np.ndarray, np.ndarray]:
    """Images ``(N, H, W)`` and labels ``(N,)`` of one split in ``root``.

    Args:
        root (str): Folder with the uncompressed or gzipped IDX files.
        split (str): ``'train'`` or ``'test'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: The uint8 images and labels.
    """
    if split not in IDX_FILES:
        raise ValueError(
            f'split must be one of {tuple(IDX_FILES)}, but got {split!r}')
    images, labels = (read_idx(_find(root, name)) for name in IDX_FILES[split])
    if images.ndim != 3 or labels.ndim != 1 \
            or len(images) != len(labels):
        raise ValueError(
            f'{split} split in {root}: images {images.shape} and labels '
            f'{labels.shape} do not match')
    return images, labels


def _find(root: str, name: str) -> str:
    """The path of ``name`` or ``name.gz`` in ``root``."""
    for candidate in (name, name + '.gz'):
        path = osp.join(root, candidate)
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'neither {name} nor {name}.gz in {root}')


def _missing_data_error(src: str, explicit: bool) -> FileNotFoundError:
    names = [name for pair in IDX_FILES.values() for name in pair]
    missing = [
        name for name in names if not any(
            osp.isfile(osp.join(src, name + ext)) for ext in ('', '.gz'))
    ]
    hint = (f'pass --src with a folder that holds them, or install '
            f'Debian\'s package into {DEFAULT_SRC} (as root): '
            f'{INSTALL_COMMAND}')
    where = 'the folder given' if explicit else 'the default folder'
    return FileNotFoundError(
        f'Fashion-MNIST IDX files missing in {where} {src}: '
        f'{", ".join(missing)} (each uncompressed or .gz); {hint}')


def read_splits(
        src: Optional[str] = None) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Both splits of the IDX files in ``src``, or a clear error.

    Args:
        src (str, optional): Folder with the IDX files, gzipped or not.
            Defaults to None: Debian's package folder
            ``/usr/share/datasets/fashion-mnist``.

    Returns:
        dict[str, tuple[np.ndarray, np.ndarray]]: Images and labels per
        split (:func:`read_split`).

    Raises:
        FileNotFoundError: A file is missing; the message names the
            missing files and the command that installs them.
    """
    explicit = src is not None
    src = DEFAULT_SRC if src is None else src
    try:
        return {split: read_split(src, split) for split in IDX_FILES}
    except FileNotFoundError as exc:
        raise _missing_data_error(src, explicit) from exc


def prepare_fashion_mnist(out_dir: str,
                          src: Optional[str] = None,
                          logger: str = 'current') -> Dict[str, int]:
    """Write the four uncompressed IDX files to ``out_dir``.

    Every file is read and checked (header, size, images and labels of a
    split agree) before it is written; a file is written to a temporary
    name of its own (with the process id) and renamed, so an interrupted
    run leaves no half file that MMPretrain would take for data, and runs
    that prepare the same folder at once (e.g. two study processes) do
    not collide.

    Args:
        out_dir (str): Folder to write into (MMPretrain's ``data_root``);
            created when missing.
        src (str, optional): Folder with the IDX files, gzipped or not.
            Defaults to None: Debian's package folder
            ``/usr/share/datasets/fashion-mnist``.
        logger (str): Logger name for :func:`mmengine.logging.print_log`.
            Defaults to ``'current'``.

    Returns:
        dict[str, int]: Number of samples per split.
    """
    splits = read_splits(src)
    src = DEFAULT_SRC if src is None else src
    if osp.abspath(src) == osp.abspath(out_dir):
        raise ValueError(f'out_dir {out_dir!r} must differ from src {src!r}')
    os.makedirs(out_dir, exist_ok=True)
    for names in IDX_FILES.values():
        for name in names:
            path, target = _find(src, name), osp.join(out_dir, name)
            opener = gzip.open if path.endswith('.gz') else open
            part = f'{target}.{os.getpid()}.part'
            with opener(path, 'rb') as f_in, open(part, 'wb') as f_out:
                shutil.copyfileobj(f_in, f_out)
            os.replace(part, target)
    counts = {split: len(labels) for split, (_, labels) in splits.items()}
    print_log(
        f'wrote Fashion-MNIST IDX files from {src} to {out_dir}: '
        f'{counts["train"]} train and {counts["test"]} test samples',
        logger=logger)
    return counts
