# Copyright (c) mmpfb contributors. All rights reserved.
"""Write the segmentation scenes of real Fashion-MNIST garments (VOC
layout) that configs/fashion_mnist/deeplabv3_* train on.

Example (Fashion-MNIST from Debian's ``dataset-fashion-mnist``)::

    python tools/dataset_converters/generate_fashion_scenes.py
"""
import argparse

from mmpfb.experiments.datasets import generate_fashion_scenes
from mmpfb.datasets.fashion_mnist import DEFAULT_SRC


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate Fashion-MNIST segmentation scenes')
    parser.add_argument(
        '--src',
        help='folder with the IDX files, gzipped or not (default: '
        f'{DEFAULT_SRC}, from the Debian package)')
    parser.add_argument(
        '--out-dir',
        default='data/fashion_scenes',
        help='folder to write (default: data/fashion_scenes)')
    parser.add_argument('--num-train', type=int, default=2000)
    parser.add_argument('--num-val', type=int, default=500)
    parser.add_argument('--img-size', type=int, default=128)
    parser.add_argument('--imbalance-factor', type=float, default=10.)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


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
    main()
