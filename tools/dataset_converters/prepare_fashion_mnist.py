# Copyright (c) mmpfb contributors. All rights reserved.
"""Put Fashion-MNIST's IDX files where MMPretrain's ``FashionMNIST`` reads
them (``data_root``), from Debian's ``dataset-fashion-mnist`` package or
from a folder of IDX files. Nothing is downloaded.

Example::

    apt-get update && apt-get install -y dataset-fashion-mnist  # as root
    python tools/dataset_converters/prepare_fashion_mnist.py
"""
import argparse

from mmpfb.datasets.fashion_mnist import DEFAULT_SRC, prepare_fashion_mnist


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Prepare Fashion-MNIST for MMPretrain, offline')
    parser.add_argument(
        '--src',
        help=f'folder with the four IDX files, gzipped or not (default: '
        f'{DEFAULT_SRC}, from the Debian package)')
    parser.add_argument(
        '--out-dir',
        default='data/fashion_mnist',
        help='data_root to write (default: data/fashion_mnist)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        prepare_fashion_mnist(args.out_dir, src=args.src)
    except FileNotFoundError as exc:
        raise SystemExit(str(exc)) from exc


if __name__ == '__main__':
    main()
