# Copyright (c) mmpfb contributors. All rights reserved.
"""Put Fashion-MNIST's IDX files where MMPretrain's ``FashionMNIST`` reads
them (``data_root``), from Debian's ``dataset-fashion-mnist`` package or
from a folder of IDX files. Nothing is downloaded.

Example::

    apt-get update && apt-get install -y dataset-fashion-mnist  # as root
    python tools/dataset_converters/prepare_fashion_mnist.py
"""
import argparse
from typing import Optional, Sequence

from mmpfb.datasets.fashion_mnist import (DEFAULT_DATA_ROOT, DEFAULT_SRC,
                                          prepare_fashion_mnist)
from mmpfb.utils import ToolError, run_tool, tool_parser

DESCRIPTION = ('Put Fashion-MNIST\'s four IDX files, uncompressed, where '
               'MMPretrain\'s FashionMNIST reads them, from Debian\'s '
               'dataset-fashion-mnist package or from a folder of IDX '
               'files; nothing is downloaded.')


def build_parser() -> argparse.ArgumentParser:
    """The tool's parser."""
    parser = tool_parser(DESCRIPTION)
    parser.add_argument(
        '--src',
        help='The folder with the four IDX files, gzipped or not. Defaults '
        f'to {DEFAULT_SRC}, where the Debian package puts them.')
    parser.add_argument(
        '--out-dir',
        default=DEFAULT_DATA_ROOT,
        help='The data_root to write. Defaults to '
        f'{DEFAULT_DATA_ROOT}.')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        prepare_fashion_mnist(args.out_dir, src=args.src)
    except FileNotFoundError as exc:
        raise ToolError(str(exc)) from exc


if __name__ == '__main__':
    run_tool(main)
