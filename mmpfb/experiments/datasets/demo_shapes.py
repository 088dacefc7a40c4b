# Copyright (c) mmpfb contributors. All rights reserved.
"""A small synthetic classification dataset in MMPretrain's folder layout.

The classification demo trains on it with no download. Each image holds
one shape (the class) on the textured, noisy background of the
segmentation demo (:mod:`mmpfb.experiments.datasets.demo_voc`, whose
drawing helpers it reuses). The colour and surface texture of the shape
are those of its own class in a fraction :data:`DEMO_SHAPES_TEXTURE_CUE`
of the images and those of a random common class otherwise, so the
outline has to be learnt. The classes in
:data:`DEMO_SHAPES_RARE_FRACTIONS` make up only that fraction of the
training images (the common ones share the rest equally), and only they
ever wear their own textures, so they are also rare in low-level
appearance, where PFB's density estimate looks. The validation split is
balanced.

.. code:: text

    data_root/
      train/<class>/train_<index>.png    BGR PNG, img_size x img_size
      val/<class>/val_<index>.png
      demo_shapes.json                   parameters and summary (last)

The class names are sorted, so the label that MMPretrain's
``CustomDataset`` gives each class folder is its index in
:data:`DEMO_SHAPES_CLASSES`. Only numpy, OpenCV and MMEngine's logging are
imported, so the data can be generated without MMPretrain or PyTorch.
"""
import os
import os.path as osp
import re
from typing import Dict, List, Optional

import cv2
import numpy as np

from mmpfb.utils.arg_checks import check_int
from . import demo_voc
from .dataset_writer import DatasetWriter
from .generated_dataset import read_stamp

# Sorted: the order in which CustomDataset numbers the class folders.
DEMO_SHAPES_CLASSES = ('cross', 'disc', 'ring', 'square', 'triangle')
# Fraction of the training images of each rare class.
DEMO_SHAPES_RARE_FRACTIONS = {'cross': 0.05, 'ring': 0.05}
DEMO_SHAPES_COMMON_CLASSES = tuple(c for c in DEMO_SHAPES_CLASSES
                                   if c not in DEMO_SHAPES_RARE_FRACTIONS)
# Probability that a shape has its own class's colour and texture (else a
# random common class's).
DEMO_SHAPES_TEXTURE_CUE = 0.75

SPLITS = ('train', 'val')
STAMP_FILE = 'demo_shapes.json'
# Raise whenever the drawing changes, so old folders are regenerated (the
# stamp also holds demo_voc's version, whose helpers draw the images).
GENERATOR_VERSION = 1
# Object radius range as a fraction of the image size.
RADIUS = (0.22, 0.38)
NOISE_STD = 8.0


def _class_counts(split: str, num: int) -> List[int]:
    """Images of each class in a split of ``num`` images."""
    if split == 'train':
        rare = {
            name: max(1, int(round(frac * num)))
            for name, frac in DEMO_SHAPES_RARE_FRACTIONS.items()
        }
        rest = num - sum(rare.values())
        common = [
            rest // len(DEMO_SHAPES_COMMON_CLASSES) +
            (i < rest % len(DEMO_SHAPES_COMMON_CLASSES))
            for i in range(len(DEMO_SHAPES_COMMON_CLASSES))
        ]
        counts = dict(rare, **dict(zip(DEMO_SHAPES_COMMON_CLASSES, common)))
        return [counts[name] for name in DEMO_SHAPES_CLASSES]
    k = len(DEMO_SHAPES_CLASSES)
    return [num // k + (i < num % k) for i in range(k)]


def _labels(split: str, num: int, seed: int, split_id: int) -> np.ndarray:
    """The class index of each image of a split, in a seeded order."""
    counts = _class_counts(split, num)
    labels = np.repeat(np.arange(len(counts)), counts)
    rng = np.random.default_rng(np.random.SeedSequence([seed, split_id, 0]))
    return labels[rng.permutation(num)]


def _draw_image(rng: np.random.Generator, size: int, name: str) -> np.ndarray:
    """One RGB uint8 image with one shape of class ``name``."""
    img = demo_voc._background(rng, size)
    radius = float(rng.uniform(*RADIUS) * size)
    center = tuple(rng.uniform(0.7 * radius, size - 0.7 * radius, 2))
    angle = float(rng.uniform(0, 2 * np.pi))
    if rng.uniform() < DEMO_SHAPES_TEXTURE_CUE:
        texture = name
    else:
        texture = DEMO_SHAPES_COMMON_CLASSES[int(
            rng.integers(len(DEMO_SHAPES_COMMON_CLASSES)))]
    mask = demo_voc._shape_mask(name, size, center, radius, angle)
    tex = demo_voc._texture(texture, rng, size, center, radius, angle)
    img[mask] = tex[mask]
    img = img + rng.normal(0, NOISE_STD, img.shape)
    img = cv2.GaussianBlur(img, (3, 3), 0.6)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def _params(num_train: int, num_val: int, img_size: int, seed: int) -> dict:
    return dict(
        version=[GENERATOR_VERSION, demo_voc.GENERATOR_VERSION],
        num_train=num_train,
        num_val=num_val,
        img_size=img_size,
        seed=seed,
        classes=list(DEMO_SHAPES_CLASSES),
        rare_fractions=dict(DEMO_SHAPES_RARE_FRACTIONS),
        texture_cue=DEMO_SHAPES_TEXTURE_CUE)


def _file_names(split: str, labels: np.ndarray) -> Dict[str, List[str]]:
    """Per class, the file names (in its folder) of a split's images."""
    names: Dict[str, List[str]] = {c: [] for c in DEMO_SHAPES_CLASSES}
    for i, label in enumerate(labels.tolist()):
        names[DEMO_SHAPES_CLASSES[label]].append(f'{split}_{i:05d}.png')
    return names


def _own_files(folder: str, split: str) -> List[str]:
    """The files in ``folder`` named as this generator names them."""
    if not osp.isdir(folder):
        return []
    pattern = re.compile(rf'{split}_\d{{5}}\.png')
    return sorted(n for n in os.listdir(folder) if pattern.fullmatch(n))


class _DemoShapesWriter(DatasetWriter):
    """Writes the images of each split into one folder per class.

    Args:
        data_root (str): Folder to write into.
        params (dict): The generator's arguments, as stored.
        labels (dict): Per split, the class index of each image.
        names (dict): Per split and class, the file names of its images.
        logger (str): Logger name for :func:`mmengine.logging.print_log`.
    """

    stamp_file = STAMP_FILE
    description = 'demo shapes data'
    splits = SPLITS

    def __init__(self, data_root: str, params: dict, labels: Dict[str,
                                                                  np.ndarray],
                 names: Dict[str, Dict[str, List[str]]], logger: str) -> None:
        super().__init__(data_root, params, logger)
        self.labels = labels
        self.names = names

    def stored_summary(self) -> Optional[dict]:
        stored = read_stamp(self.data_root, STAMP_FILE, self.params)
        if stored is None:
            return None
        for split in SPLITS:
            for cls, files in self.names[split].items():
                folder = osp.join(self.data_root, split, cls)
                if _own_files(folder, split) != sorted(files):
                    return None
        return stored.get('summary')

    def prepare_folders(self) -> None:
        """Make the class folders and remove the images this generator
        wrote there before; other files stay."""
        for split in SPLITS:
            for cls in DEMO_SHAPES_CLASSES:
                folder = osp.join(self.data_root, split, cls)
                for old in _own_files(folder, split):
                    os.remove(osp.join(folder, old))
                os.makedirs(folder, exist_ok=True)

    def write_split(self, split_id: int, split: str) -> dict:
        num = self.params[f'num_{split}']
        seeds = np.random.SeedSequence([self.params['seed'], split_id,
                                        1]).spawn(num)
        for i, label in enumerate(self.labels[split].tolist()):
            cls = DEMO_SHAPES_CLASSES[label]
            img = _draw_image(
                np.random.default_rng(seeds[i]), self.params['img_size'], cls)
            path = osp.join(self.data_root, split, cls, f'{split}_{i:05d}.png')
            if not cv2.imwrite(path, cv2.cvtColor(img, cv2.COLOR_RGB2BGR)):
                raise OSError(f'could not write {path}')
        return dict(
            num_images=num,
            images_per_class={
                c: len(n)
                for c, n in self.names[split].items()
            })


def _check_args(num_train: int, num_val: int, img_size: int,
                seed: int) -> None:
    k = len(DEMO_SHAPES_CLASSES)
    # Every class needs an image in every split; the rare ones stay rare.
    check_int('num_train', num_train, 2 * k)
    check_int('num_val', num_val, k)
    check_int('img_size', img_size, 16)
    check_int('seed', seed, 0)


def generate_demo_shapes(data_root: str,
                         num_train: int = 3000,
                         num_val: int = 500,
                         img_size: int = 32,
                         seed: int = 0,
                         logger: str = 'current') -> Dict:
    """Write the demo shapes dataset to ``data_root`` unless it is there.

    The same arguments give byte-identical files. When ``data_root``
    holds a complete dataset written with the same arguments (checked
    through ``demo_shapes.json`` and the file names), nothing is written
    and the stored summary is returned. Otherwise the images this
    generator wrote before are removed and the dataset is written anew;
    other files are left alone.

    Args:
        data_root (str): Folder to write into; created when missing.
        num_train (int): Training images, at least twice the number of
            classes. Defaults to 3000.
        num_val (int): Validation images (balanced), at least the number
            of classes. Defaults to 500.
        img_size (int): Height and width of every image. Defaults to 32.
        seed (int): Seed of the generator. Defaults to 0.
        logger (str): Logger name for :func:`mmengine.logging.print_log`.
            Defaults to ``'current'``.

    Returns:
        dict: ``params`` (the arguments but ``data_root``, the versions,
        the class names, the rare fractions and the texture cue),
        ``data_root``, ``generated`` (False when the folder was reused),
        and per split ``num_images`` and ``images_per_class`` (class name
        to count).
    """
    _check_args(num_train, num_val, img_size, seed)
    params = _params(num_train, num_val, img_size, seed)
    labels = {
        split: _labels(split, params[f'num_{split}'], seed, split_id)
        for split_id, split in enumerate(SPLITS)
    }
    names = {split: _file_names(split, labels[split]) for split in SPLITS}
    return _DemoShapesWriter(data_root, params, labels, names,
                             logger).generate()
