# Copyright (c) mmpfb contributors. All rights reserved.
"""Segmentation scenes of real Fashion-MNIST garments, in VOC layout.

Each scene is a grey ``img_size`` x ``img_size`` image: a textured
background (smooth blotches, a stripe pattern, noise) with 1 to 4
garments cut from Fashion-MNIST, each scaled to a random size and
pasted at a random place; later garments cover earlier ones. A garment
covers the pixels where its own (scaled) intensity is above
``threshold``: there the image shows the garment and the label is its
class (1 to 10, Fashion-MNIST's label + 1), everywhere else the label is
0 (background). A scene is drawn again until every garment keeps some
visible pixels.

Class frequencies: the training scenes draw each garment's class from
the long-tail profile of :mod:`mmpfb.datasets.fashion_mnist.long_tail`
(probability of the class at position ``c`` proportional to
``imbalance_factor ** (-c / 9)``, label order, so T-shirt/top is the
commonest and Ankle boot the rarest: 10 times rarer by default); the
validation scenes draw classes uniformly, so every class is measured as
well as the others. Training scenes use only garments of Fashion-MNIST's
training split, validation scenes only garments of its test split; no
garment appears twice within a split while its class has unused ones.

.. code:: text

    data_root/
      JPEGImages/<name>.png            grey PNG (lossless), 3 equal channels
      SegmentationClass/<name>.png     uint8 class indices
      ImageSets/Segmentation/train.txt
      ImageSets/Segmentation/val.txt
      fashion_scenes.json              parameters, summary and, per scene,
                                       its garments (written last)

The generator reads the IDX files itself (numpy, OpenCV and MMEngine's
logging), so the scenes need neither MMSegmentation nor MMPretrain.
"""
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np

from mmpfb.datasets.fashion_mnist import long_tail_counts, read_splits
from mmpfb.utils.arg_checks import check_int
from .dataset_writer import VocDatasetWriter

FASHION_SCENES_CLASSES = ('background', 'T-shirt/top', 'Trouser', 'Pullover',
                          'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
                          'Ankle boot')
# One colour per class for visualisation (index 0: background).
FASHION_SCENES_PALETTE = [[0, 0, 0], [230, 25, 75], [60, 180, 75],
                          [255, 225, 25], [0, 130, 200], [245, 130, 48],
                          [145, 30, 180], [70, 240, 240], [240, 50, 230],
                          [210, 245, 60], [250, 190, 190]]
# Which split of Fashion-MNIST each scene split takes its garments from.
GARMENT_SPLITS = {'train': 'train', 'val': 'test'}
STAMP_FILE = 'fashion_scenes.json'
# Raise whenever the drawing changes, so old folders are regenerated.
GENERATOR_VERSION = 1
# Garment side after scaling, as a fraction of the scene size.
GARMENT_SIZE = (0.25, 0.5)
MAX_GARMENTS = 4
# Fewest visible pixels of a garment in a 128 x 128 scene (scaled by area).
MIN_VISIBLE_PIXELS = 40
MAX_TRIES = 20
NOISE_STD = 4.0


def class_probabilities(imbalance_factor: float) -> np.ndarray:
    """Probability of each garment class (0..9) in a scene.

    Args:
        imbalance_factor (float): Commonest over rarest class; 1 gives
            uniform classes.

    Returns:
        np.ndarray: Ten probabilities in label order, summing to 1.
    """
    # The exact profile, not the floored counts of a fixed set.
    num = len(FASHION_SCENES_CLASSES) - 1
    long_tail_counts(1, num, imbalance_factor)  # checks the factor
    weights = float(imbalance_factor)**(-np.arange(num) / (num - 1))
    return weights / weights.sum()


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Grey float background: blotches, a faint stripe pattern, noise."""
    level = rng.uniform(30, 120)
    grid = rng.normal(0, 20, (5, 5)).astype(np.float32)
    img = level + cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(4, 16)
    phase = (xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period
    return img + rng.uniform(0, 15) * np.sin(phase)


class _GarmentPool:
    """Draws garments of a class without repeats while the class lasts."""

    def __init__(self, labels: np.ndarray, rng: np.random.Generator) -> None:
        self.rng = rng
        self.members = [
            np.flatnonzero(labels == c)
            for c in range(len(FASHION_SCENES_CLASSES) - 1)
        ]
        for c, members in enumerate(self.members):
            if len(members) == 0:
                raise ValueError(f'no garment of class {c} '
                                 f'({FASHION_SCENES_CLASSES[c + 1]})')
        self.queues: List[List[int]] = [[] for _ in self.members]

    def draw(self, label: int) -> int:
        if not self.queues[label]:
            self.queues[label] = self.rng.permutation(
                self.members[label]).tolist()
        return int(self.queues[label].pop())


def _draw_scene(rng: np.random.Generator, size: int, garments: np.ndarray,
                labels: np.ndarray, pool: _GarmentPool, probs: np.ndarray,
                threshold: int) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    """One grey uint8 scene, its label map and its garment records."""
    min_pixels = max(4, int(MIN_VISIBLE_PIXELS * (size / 128)**2))
    for _ in range(MAX_TRIES):
        num = int(rng.integers(1, MAX_GARMENTS + 1))
        classes = rng.choice(len(probs), num, p=probs)
        img = _background(rng, size)
        label = np.zeros((size, size), np.uint8)
        owner = np.full((size, size), -1, np.int32)
        records = []
        for k, cls in enumerate(classes.tolist()):
            index = pool.draw(cls)
            side = int(round(rng.uniform(*GARMENT_SIZE) * size))
            x, y = (int(v) for v in rng.integers(0, size - side + 1, 2))
            patch = cv2.resize(
                garments[index], (side, side), interpolation=cv2.INTER_LINEAR)
            mask = patch > threshold
            region = (slice(y, y + side), slice(x, x + side))
            img[region][mask] = patch[mask]
            label[region][mask] = cls + 1
            owner[region][mask] = k
            records.append(
                dict(
                    index=index, label=int(labels[index]), x=x, y=y,
                    side=side))
        visible = np.bincount(owner[owner >= 0], minlength=num)
        if visible.min() >= min_pixels:
            break
    img = img + rng.normal(0, NOISE_STD, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), label, records


def _params(num_train: int, num_val: int, img_size: int,
            imbalance_factor: float, threshold: int, seed: int) -> dict:
    return dict(
        version=GENERATOR_VERSION,
        num_train=num_train,
        num_val=num_val,
        img_size=img_size,
        imbalance_factor=float(imbalance_factor),
        threshold=threshold,
        seed=seed,
        classes=list(FASHION_SCENES_CLASSES),
        garment_splits=dict(GARMENT_SPLITS))


class _FashionScenesWriter(VocDatasetWriter):
    """Draws the scenes of each split from its own garment split; the
    stamp also records every scene's garments.

    Args:
        data_root (str): Folder to write into.
        params (dict): The generator's arguments, as stored.
        src (str, optional): Folder with Fashion-MNIST's IDX files.
        probs (dict): Per split, the probability of each garment class.
        logger (str): Logger name for :func:`mmengine.logging.print_log`.
    """

    stamp_file = STAMP_FILE
    description = 'Fashion-MNIST scenes'
    splits = tuple(GARMENT_SPLITS)
    stamp_indent = None
    img_suffix = '.png'
    classes = FASHION_SCENES_CLASSES

    def __init__(self, data_root: str, params: dict, src: Optional[str],
                 probs: Dict[str, np.ndarray], logger: str) -> None:
        super().__init__(data_root, params, logger)
        self.src = src
        self.probs = probs
        self.sources: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        self.scenes: Dict[str, Dict[str, List[dict]]] = {}

    def prepare(self) -> None:
        """Read the garments of Fashion-MNIST's splits."""
        splits = read_splits(self.src)
        self.sources = {
            split: splits[garment_split]
            for split, garment_split in GARMENT_SPLITS.items()
        }

    def draw_split(
            self, split_id: int, split: str,
            names: List[str]) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        garments, labels = self.sources[split]
        seeds = np.random.SeedSequence([self.params['seed'],
                                        split_id]).spawn(len(names) + 1)
        pool = _GarmentPool(labels, np.random.default_rng(seeds[0]))
        self.scenes[split] = {}
        for i, name in enumerate(names):
            rng = np.random.default_rng(seeds[i + 1])
            img, label, records = _draw_scene(rng, self.params['img_size'],
                                              garments, labels, pool,
                                              self.probs[split],
                                              self.params['threshold'])
            self.scenes[split][name] = records
            yield cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), label

    def split_extras(self, split: str) -> dict:
        counts = np.zeros(len(self.classes), np.int64)
        for records in self.scenes[split].values():
            for record in records:
                counts[record['label'] + 1] += 1
        return dict(garments_per_class=self.per_class(counts))

    def stamp_extras(self) -> dict:
        return dict(scenes=self.scenes)

    def reused_message(self) -> str:
        return (f'Fashion-MNIST scenes in {self.data_root} are complete, '
                'not regenerated')

    def written_message(self, summary: dict) -> str:
        size = self.params['img_size']
        return (f'wrote Fashion-MNIST scenes to {self.data_root}: '
                f'{self.params["num_train"]} train and '
                f'{self.params["num_val"]} val scenes of {size}x{size}; '
                'train garments per class: '
                f'{summary["train"]["garments_per_class"]}')


def generate_fashion_scenes(data_root: str,
                            src: Optional[str] = None,
                            num_train: int = 2000,
                            num_val: int = 500,
                            img_size: int = 128,
                            imbalance_factor: float = 10.,
                            threshold: int = 40,
                            seed: int = 0,
                            logger: str = 'current') -> Dict:
    """Write the garment scenes to ``data_root`` unless they are there.

    The same arguments and garments give byte-identical files. When
    ``data_root`` holds complete scenes written with the same arguments
    (checked through ``fashion_scenes.json``), nothing is written and the
    stored summary is returned.

    Args:
        data_root (str): Folder to write into; created when missing.
        src (str, optional): Folder with Fashion-MNIST's IDX files
            (uncompressed or gzipped), e.g. the output of
            ``tools/dataset_converters/prepare_fashion_mnist.py``.
            Defaults to None: Debian's package folder
            ``/usr/share/datasets/fashion-mnist``.
        num_train (int): Training scenes. Defaults to 2000.
        num_val (int): Validation scenes. Defaults to 500.
        img_size (int): Height and width of every scene, at least 64.
            Defaults to 128.
        imbalance_factor (float): Commonest over rarest garment class in
            the training scenes; 1 gives uniform classes. The validation
            scenes are always uniform. Defaults to 10.
        threshold (int): A garment covers the pixels where its scaled
            intensity is above this (0 to 254). Defaults to 40.
        seed (int): Seed of the generator. Defaults to 0.
        logger (str): Logger name for :func:`mmengine.logging.print_log`.
            Defaults to ``'current'``.

    Returns:
        dict: ``params`` (the arguments but ``data_root`` and ``src``,
        the version, the class names and the garment splits),
        ``data_root``, ``generated`` (False when the folder was reused),
        and per split ``num_images``, ``garments_per_class``,
        ``images_per_class`` and ``pixels_per_class`` (class name to
        count).
    """
    check_int('num_train', num_train, 1)
    check_int('num_val', num_val, 1)
    check_int('img_size', img_size, 64)
    check_int('seed', seed, 0)
    check_int('threshold', threshold, 0)
    if threshold > 254:
        raise ValueError(f'threshold must be <= 254, but got {threshold!r}')
    probs = {
        'train': class_probabilities(imbalance_factor),
        'val': class_probabilities(1.)
    }
    params = _params(num_train, num_val, img_size, imbalance_factor, threshold,
                     seed)
    return _FashionScenesWriter(data_root, params, src, probs,
                                logger).generate()
