# Copyright (c) mmpfb contributors. All rights reserved.
"""A small synthetic segmentation dataset in PASCAL VOC layout.

The demo trains on it with no download. Each image is a textured, noisy,
desaturated background with a few coloured, textured shapes on it; the
label PNG holds the class index of every pixel. Three object classes are
common; the two in :data:`DEMO_RARE_FRACTIONS` are put into only that
fraction of the images of each split (at least one image), so a
density-based pruning method has rare samples to keep.

.. code:: text

    data_root/
      JPEGImages/<name>.jpg            JPEG, img_size x img_size
      SegmentationClass/<name>.png     uint8 class indices
      ImageSets/Segmentation/train.txt
      ImageSets/Segmentation/val.txt
      demo_voc.json                    parameters and summary (written last)

Only numpy, OpenCV and MMEngine's logging are imported, so the data can be
generated without MMSegmentation or PyTorch.
"""
from typing import Dict, Iterator, List, Tuple

import cv2
import numpy as np

from mmpfb.utils.arg_checks import check_int
from .dataset_writer import VocDatasetWriter

DEMO_CLASSES = ('background', 'disc', 'square', 'triangle', 'ring', 'cross')
DEMO_PALETTE = [[0, 0, 0], [220, 50, 40], [50, 170, 60], [40, 80, 210],
                [240, 160, 20], [180, 50, 190]]
DEMO_COMMON_CLASSES = ('disc', 'square', 'triangle')
DEMO_RARE_FRACTIONS = {'ring': 0.1, 'cross': 0.05}

SPLITS = ('train', 'val')
STAMP_FILE = 'demo_voc.json'
# Raise whenever the drawing changes, so old folders are regenerated.
GENERATOR_VERSION = 2
JPEG_QUALITY = 95
# Fewest visible pixels of a drawn object at 64 x 64 (scaled by area).
MIN_VISIBLE_PIXELS = 24
MAX_TRIES = 20
# Object radius range as a fraction of the image size; rare objects are
# larger, so that they change an image's pooled features.
COMMON_RADIUS = (0.12, 0.25)
RARE_RADIUS = (0.2, 0.32)

Point = Tuple[float, float]


def _rotated(pts: np.ndarray, center: Point, angle: float) -> np.ndarray:
    """Rotate ``(n, 2)`` offsets by ``angle`` and move them to ``center``."""
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return pts @ rot.T + np.asarray(center)


def _polygon_mask(shape: Tuple[int, int], pts: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask.astype(bool)


def _shape_mask(name: str, size: int, center: Point, radius: float,
                angle: float) -> np.ndarray:
    """Boolean mask of one object of class ``name``."""
    shape = (size, size)
    cx, cy = int(round(center[0])), int(round(center[1]))
    r = int(round(radius))
    if name in ('disc', 'ring'):
        mask = np.zeros(shape, np.uint8)
        cv2.circle(mask, (cx, cy), r, 1, -1)
        if name == 'ring':
            cv2.circle(mask, (cx, cy), max(1, int(round(0.5 * radius))), 0, -1)
        return mask.astype(bool)
    if name == 'square':
        h = 0.8 * radius
        pts = np.array([[-h, -h], [h, -h], [h, h], [-h, h]])
        return _polygon_mask(shape, _rotated(pts, center, angle))
    if name == 'triangle':
        t = np.array([0, 2, 4]) * np.pi / 3 - np.pi / 2
        pts = radius * np.stack([np.cos(t), np.sin(t)], axis=1)
        return _polygon_mask(shape, _rotated(pts, center, angle))
    if name == 'cross':
        w = max(1.5, radius / 3)
        bar = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [radius, w]
        mask = _polygon_mask(shape, _rotated(bar, center, angle))
        return mask | _polygon_mask(shape,
                                    _rotated(bar, center, angle + np.pi / 2))
    raise ValueError(f'unknown shape {name!r}')


def _texture(name: str, rng: np.random.Generator, size: int, center: Point,
             radius: float, angle: float) -> np.ndarray:
    """RGB float image of the class-specific colour and texture."""
    base = np.asarray(DEMO_PALETTE[DEMO_CLASSES.index(name)], np.float32)
    color = np.clip(base + rng.uniform(-25, 25, 3), 0, 255)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    dx, dy = xx - center[0], yy - center[1]
    # coordinate along the object's own axis, for stripes and checkers
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    if name == 'disc':
        # radial shading, bright centre
        shade = 1.0 - 0.45 * np.sqrt(dx**2 + dy**2) / max(radius, 1.0)
    elif name == 'square':
        period = max(3.0, radius / 2)
        check = (np.floor(u / period) + np.floor(v / period)) % 2
        shade = 1.0 - 0.4 * check
    elif name == 'triangle':
        period = max(3.0, radius / 2.5)
        shade = 0.75 + 0.25 * np.sign(np.sin(2 * np.pi * u / period))
    elif name == 'ring':
        shade = np.ones_like(u)
    else:  # cross: fine stripes across its bars
        shade = 0.85 + 0.15 * np.sin(2 * np.pi * (u + v) / 3.0)
    return shade[..., None] * color


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Desaturated background with smooth blotches and clutter lines."""
    grey = rng.uniform(80, 170)
    tint = rng.uniform(-15, 15, 3)
    # low-frequency colour noise: a coarse random grid, upsampled
    grid = rng.normal(0, 18, (4, 4, 3)).astype(np.float32)
    blotches = cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
    img = (grey + tint + blotches).astype(np.float32)
    for _ in range(int(rng.integers(0, 4))):
        p0 = tuple(int(c) for c in rng.integers(0, size, 2))
        p1 = tuple(int(c) for c in rng.integers(0, size, 2))
        level = float(rng.uniform(40, 210))
        col = tuple(float(level + d) for d in rng.uniform(-20, 20, 3))
        cv2.line(img, p0, p1, col, 1)
    return img


def _draw_image(rng: np.random.Generator, size: int,
                rare: List[str]) -> Tuple[np.ndarray, np.ndarray]:
    """One RGB uint8 image and its uint8 label map.

    Common objects are drawn first and the rare ones on top; the whole
    image is drawn again (from the same generator) until every object
    keeps enough visible pixels.
    """
    min_pixels = max(4, int(MIN_VISIBLE_PIXELS * (size / 64)**2))
    for _ in range(MAX_TRIES):
        num_common = int(rng.integers(1, 4))
        names = [
            DEMO_COMMON_CLASSES[int(i)]
            for i in rng.integers(0, len(DEMO_COMMON_CLASSES), num_common)
        ] + list(rare)
        img = _background(rng, size)
        label = np.zeros((size, size), np.uint8)
        owner = np.full((size, size), -1, np.int32)
        for k, name in enumerate(names):
            low, high = RARE_RADIUS if name in rare else COMMON_RADIUS
            radius = float(rng.uniform(low, high) * size)
            center = tuple(rng.uniform(0.5 * radius, size - 0.5 * radius, 2))
            angle = float(rng.uniform(0, 2 * np.pi))
            mask = _shape_mask(name, size, center, radius, angle)
            tex = _texture(name, rng, size, center, radius, angle)
            img[mask] = tex[mask]
            label[mask] = DEMO_CLASSES.index(name)
            owner[mask] = k
        visible = np.bincount(owner[owner >= 0], minlength=len(names))
        if visible.min() >= min_pixels:
            break
    img = img + rng.normal(0, 8, img.shape)
    img = cv2.GaussianBlur(img, (3, 3), 0.6)
    return np.clip(np.round(img), 0, 255).astype(np.uint8), label


def _rare_schedule(rng: np.random.Generator, num: int) -> List[List[str]]:
    """The rare classes of each of ``num`` images."""
    rare: List[List[str]] = [[] for _ in range(num)]
    for name, frac in DEMO_RARE_FRACTIONS.items():
        count = min(num, max(1, int(round(frac * num))))
        for i in sorted(rng.choice(num, count, replace=False).tolist()):
            rare[i].append(name)
    return rare


def _params(num_train: int, num_val: int, img_size: int, seed: int) -> dict:
    return dict(
        version=GENERATOR_VERSION,
        num_train=num_train,
        num_val=num_val,
        img_size=img_size,
        seed=seed,
        classes=list(DEMO_CLASSES),
        rare_fractions=dict(DEMO_RARE_FRACTIONS))


def _check_args(num_train: int, num_val: int, img_size: int,
                seed: int) -> None:
    check_int('num_train', num_train, 1)
    check_int('num_val', num_val, 1)
    check_int('img_size', img_size, 16)
    check_int('seed', seed, 0)


class _DemoVocWriter(VocDatasetWriter):
    """Draws the demo's images: each split's rare classes first, then
    every image from its own seed."""

    stamp_file = STAMP_FILE
    description = 'demo VOC data'
    splits = SPLITS
    img_suffix = '.jpg'
    classes = DEMO_CLASSES
    image_write_params = (cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY)

    def draw_split(
            self, split_id: int, split: str,
            names: List[str]) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        num = len(names)
        seeds = np.random.SeedSequence([self.params['seed'],
                                        split_id]).spawn(num + 1)
        rare = _rare_schedule(np.random.default_rng(seeds[0]), num)
        for i in range(num):
            rng = np.random.default_rng(seeds[i + 1])
            img, label = _draw_image(rng, self.params['img_size'], rare[i])
            yield cv2.cvtColor(img, cv2.COLOR_RGB2BGR), label


def generate_demo_voc(data_root: str,
                      num_train: int = 400,
                      num_val: int = 100,
                      img_size: int = 64,
                      seed: int = 0,
                      logger: str = 'current') -> Dict:
    """Write the demo dataset to ``data_root`` unless it is already there.

    The same arguments give byte-identical files. When ``data_root``
    holds a complete dataset written with the same arguments (checked
    through ``demo_voc.json``), nothing is written and the stored summary
    is returned.

    Args:
        data_root (str): Folder to write into; created when missing.
        num_train (int): Training images. Defaults to 400.
        num_val (int): Validation images. Defaults to 100.
        img_size (int): Height and width of every image. Defaults to 64.
        seed (int): Seed of the generator. Defaults to 0.
        logger (str): Logger name for :func:`mmengine.logging.print_log`.
            Defaults to ``'current'``.

    Returns:
        dict: ``params`` (the arguments but ``data_root``, the class names
        and the rare fractions), ``data_root``, ``generated`` (False when
        the folder was reused), and per split ``images_per_class`` and
        ``pixels_per_class`` (class name to count) and ``num_images``.
    """
    _check_args(num_train, num_val, img_size, seed)
    params = _params(num_train, num_val, img_size, seed)
    return _DemoVocWriter(data_root, params, logger).generate()
