# Copyright (c) mmpfb contributors. All rights reserved.
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest

from mmpfb.datasets.fashion_mnist import INSTALL_COMMAND
from mmpfb.experiments.datasets import (FASHION_SCENES_CLASSES,
                                        FASHION_SCENES_PALETTE,
                                        generate_fashion_scenes)
from mmpfb.experiments.datasets.fashion_scenes import (STAMP_FILE,
                                                       class_probabilities)
from tests.test_datasets.test_fashion_mnist.utils import write_fashion_mnist

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), *[osp.pardir] * 3))
DATA_CFG = osp.join(REPO_ROOT, 'configs', 'fashion_mnist', '_base_',
                    'fashion-scenes.py')
# Each garment is a filled rectangle of one grey value: 100..149 in the
# training split, 200..249 in the test split, so a scene's pixels tell
# which split its garments came from.
TRAIN_LEVELS, TEST_LEVELS = (100, 150), (200, 250)
PER_CLASS = {'train': 6, 'test': 3}
THRESHOLD = 40
NOISE_BOUND = 6 * 4.0  # six standard deviations of the scenes' noise


def garment_split(split):
    num = 10 * PER_CLASS[split]
    low, high = TRAIN_LEVELS if split == 'train' else TEST_LEVELS
    images = np.zeros((num, 28, 28), np.uint8)
    for i in range(num):
        images[i, 3 + i % 4:25, 5:23 - i % 3] = low + i % (high - low)
    labels = np.arange(num, dtype=np.uint8) % 10
    return images, labels


@pytest.fixture(scope='module')
def src(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('garments'))
    write_fashion_mnist(root,
                        {split: garment_split(split)
                         for split in PER_CLASS}, '.gz')
    return root


@pytest.fixture(scope='module')
def scenes(src, tmp_path_factory):
    root = str(tmp_path_factory.mktemp('scenes'))
    summary = generate_fashion_scenes(
        root,
        src=src,
        num_train=400,
        num_val=100,
        img_size=64,
        imbalance_factor=100.,
        seed=1,
        threshold=THRESHOLD)
    with open(osp.join(root, STAMP_FILE)) as f:
        records = json.load(f)['scenes']
    return root, summary, records


def read(root, folder, name):
    return cv2.imread(
        osp.join(root, folder, name + '.png'), cv2.IMREAD_UNCHANGED)


def all_files(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            with open(osp.join(folder, name), 'rb') as f:
                out[osp.relpath(osp.join(folder, name), root)] = f.read()
    return out


def test_constants():
    assert FASHION_SCENES_CLASSES[0] == 'background'
    assert len(FASHION_SCENES_CLASSES) == 11
    assert len({tuple(c) for c in FASHION_SCENES_PALETTE}) == 11


def test_deterministic_and_reused(src, tmp_path):
    kwargs = dict(src=src, num_train=6, num_val=3, img_size=64, seed=4)
    first, second = str(tmp_path / 'a'), str(tmp_path / 'b')
    assert generate_fashion_scenes(first, **kwargs)['generated']
    generate_fashion_scenes(second, **kwargs)
    files = all_files(first)
    assert len(files) == 2 * 9 + 2 + 1
    assert files == all_files(second)
    again = generate_fashion_scenes(first, **kwargs)
    assert not again['generated']
    assert again['train'] == generate_fashion_scenes(second, **kwargs)['train']
    other = str(tmp_path / 'c')
    generate_fashion_scenes(other, **dict(kwargs, seed=5))
    assert all_files(other) != files


def test_default_src_is_the_debian_folder(src, tmp_path, monkeypatch):
    kwargs = dict(num_train=2, num_val=2, img_size=64)
    generate_fashion_scenes(str(tmp_path / 'given'), src=src, **kwargs)
    monkeypatch.setattr('mmpfb.datasets.fashion_mnist.idx_files.DEFAULT_SRC',
                        src)
    generate_fashion_scenes(str(tmp_path / 'default'), **kwargs)
    assert all_files(str(tmp_path / 'default')) == \
        all_files(str(tmp_path / 'given'))
    empty = str(tmp_path / 'empty')
    monkeypatch.setattr('mmpfb.datasets.fashion_mnist.idx_files.DEFAULT_SRC',
                        empty)
    with pytest.raises(
            FileNotFoundError, match=re.escape(INSTALL_COMMAND)) as info:
        generate_fashion_scenes(str(tmp_path / 'missing'), **kwargs)
    assert empty in str(info.value)
    assert not osp.exists(tmp_path / 'missing')


def test_labels_are_the_garments_pixels(scenes, src):
    """Rebuild each label map from the recorded garments, in drawing
    order, straight from the IDX files: a pixel is the class of the
    last garment whose scaled intensity there is above the threshold,
    and the image shows that garment's intensity there."""
    root, _, records = scenes
    garments = {split: garment_split(split) for split in PER_CLASS}
    for split, garment_split_name in (('train', 'train'), ('val', 'test')):
        images, labels = garments[garment_split_name]
        for name, scene in records[split].items():
            label = read(root, 'SegmentationClass', name)
            img = read(root, 'JPEGImages', name)
            assert img.shape == (64, 64, 3)
            assert (img[..., 0] == img[..., 1]).all()
            expected = np.zeros((64, 64), np.int64)
            shown = np.zeros((64, 64), np.float64)
            for garment in scene:
                assert garment['label'] == labels[garment['index']]
                side, x, y = garment['side'], garment['x'], garment['y']
                patch = cv2.resize(
                    images[garment['index']], (side, side),
                    interpolation=cv2.INTER_LINEAR)
                mask = patch > THRESHOLD
                expected[y:y + side, x:x + side][mask] = garment['label'] + 1
                shown[y:y + side, x:x + side][mask] = patch[mask]
            np.testing.assert_array_equal(label, expected)
            on = expected > 0
            assert on.any()
            diff = np.abs(img[..., 0].astype(np.float64) - shown)[on]
            assert diff.max() <= NOISE_BOUND


def test_train_and_val_garments_disjoint(scenes):
    root, _, records = scenes
    for split, (low, high) in (('train', TRAIN_LEVELS), ('val', TEST_LEVELS)):
        for name in records[split]:
            img = read(root, 'JPEGImages', name)[..., 0]
            garment = read(root, 'SegmentationClass', name) > 0
            # Inside the rectangles (not at their scaled edges) the
            # garment's own grey value, give or take the noise.
            inner = cv2.erode(garment.astype(np.uint8), np.ones((3, 3)))
            values = img[inner > 0].astype(np.float64)
            if values.size:
                assert low - NOISE_BOUND <= np.median(values) \
                    <= high + NOISE_BOUND, (split, name)


def test_class_frequencies(scenes):
    _, summary, records = scenes
    for split, factor in (('train', 100.), ('val', 1.)):
        counts = np.array([
            summary[split]['garments_per_class'][c]
            for c in FASHION_SCENES_CLASSES[1:]
        ])
        assert counts.sum() == sum(len(s) for s in records[split].values())
        # float64 brute force of p_c = rho ** (-c / 9) / sum
        weights = np.array([factor**(-c / 9.) for c in range(10)], np.float64)
        probs = weights / weights.sum()
        np.testing.assert_allclose(class_probabilities(factor), probs)
        expected = counts.sum() * probs
        sigma = np.sqrt(counts.sum() * probs * (1 - probs))
        assert np.all(np.abs(counts - expected) <= 4 * sigma + 1), \
            (split, counts.tolist(), expected.round(1).tolist())
    train = summary['train']['garments_per_class']
    assert train['T-shirt/top'] > 20 * max(train['Ankle boot'], 1)


@pytest.mark.parametrize('kwargs, name', [
    (dict(num_train=0), 'num_train'),
    (dict(img_size=32), 'img_size'),
    (dict(threshold=255), 'threshold'),
    (dict(imbalance_factor=0.5), 'imbalance_factor'),
])
def test_bad_arguments(src, tmp_path, kwargs, name):
    with pytest.raises(ValueError, match=name):
        generate_fashion_scenes(str(tmp_path), src=src, **kwargs)
    assert not osp.exists(tmp_path / 'JPEGImages')


def test_config_reads_scenes(scenes):
    """MMSegmentation's BaseSegDataset reads the scenes with the config's
    classes, and the val split is the val list."""
    pytest.importorskip('mmseg')
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    root, summary, _ = scenes
    cfg = Config.fromfile(DATA_CFG)
    assert tuple(cfg.metainfo['classes']) == FASHION_SCENES_CLASSES
    assert [list(c) for c in cfg.metainfo['palette']] == \
        FASHION_SCENES_PALETTE
    init_default_scope('mmseg')
    for split in ('train', 'val'):
        dataset_cfg = cfg[f'{split}_dataloader'].dataset
        dataset_cfg.data_root = root
        dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) == summary[split]['num_images']
        sample = dataset[0]
        assert sample['inputs'].shape[0] == 3
