# Copyright (c) mmpfb contributors. All rights reserved.
"""Write the segmentation scenes of real Fashion-MNIST garments (VOC
layout) that configs/fashion_mnist/deeplabv3_* train on.

Example (Fashion-MNIST from Debian's ``dataset-fashion-mnist``)::

    python tools/dataset_converters/generate_fashion_scenes.py
"""
import argparse

from mmpfb.datasets.fashion_mnist import DEFAULT_SRC
from mmpfb.experiments.datasets import generate_fashion_scenes
from mmpfb.utils.tool_entry import run_tool, tool_parser


def build_parser() -> argparse.ArgumentParser:
    """The command line of this tool."""
    parser = tool_parser(
        description='Write segmentation scenes of Fashion-MNIST garments in '
        'VOC layout.')
    parser.add_argument(
        '--src',
        help='Folder with the IDX files, gzipped or not. Defaults to '
        f'{DEFAULT_SRC}, from the Debian package.')
    parser.add_argument(
        '--out-dir',
        default='data/fashion_scenes',
        help='Folder to write. Defaults to data/fashion_scenes.')
    parser.add_argument(
        '--num-train',
        type=int,
        default=2000,
        help='Training scenes. Defaults to 2000.')
    parser.add_argument(
        '--num-val',
        type=int,
        default=500,
        help='Validation scenes. Defaults to 500.')
    parser.add_argument(
        '--img-size',
        type=int,
        default=128,
        help='Height and width of every scene, at least 64. Defaults to '
        '128.')
    parser.add_argument(
        '--imbalance-factor',
        type=float,
        default=10.,
        help='Commonest over rarest garment class in the training scenes; '
        '1 gives uniform classes. Defaults to 10.')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='Seed of the generator. Defaults to 0.')
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main() -> None:
    args = parse_args()
    generate_fashion_scenes(
        args.out_dir,
        src=args.src,
        num_train=args.num_train,
        num_val=args.num_val,
        img_size=args.img_size,
        imbalance_factor=args.imbalance_factor,
        seed=args.seed)


if __name__ == '__main__':
    run_tool(main)
