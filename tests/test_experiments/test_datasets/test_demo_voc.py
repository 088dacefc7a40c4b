# Copyright (c) mmpfb contributors. All rights reserved.
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmpfb.experiments.datasets import (DEMO_CLASSES, DEMO_COMMON_CLASSES,
                                        DEMO_PALETTE, DEMO_RARE_FRACTIONS,
                                        generate_demo_voc)

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), *[osp.pardir] * 3))
DEMO_DATA_CFG = osp.join(REPO_ROOT, 'configs', 'demo', '_base_',
                         'demo_voc_64x64.py')
TINY = dict(num_train=12, num_val=4, img_size=32, seed=3)
# In the rarity test rare classes must stay in at most this fraction of
# the training images, common ones in at least COMMON_MIN_FRACTION.
RARE_MAX_FRACTION = 0.1
COMMON_MIN_FRACTION = 0.3


def all_files(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = f.read()
    return out


def read_split(root, split):
    with open(osp.join(root, 'ImageSets', 'Segmentation',
                       split + '.txt')) as f:
        return f.read().split()


def read_label(root, name):
    return cv2.imread(
        osp.join(root, 'SegmentationClass', name + '.png'),
        cv2.IMREAD_UNCHANGED)


@pytest.fixture(scope='module')
def rarity_set(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('rarity'))
    summary = generate_demo_voc(root, num_train=60, num_val=25, seed=0)
    return root, summary


def test_constants():
    assert DEMO_CLASSES[0] == 'background'
    assert len(DEMO_PALETTE) == len(DEMO_CLASSES)
    assert all(
        len(c) == 3 and all(0 <= v <= 255 for v in c) for c in DEMO_PALETTE)
    assert len({tuple(c) for c in DEMO_PALETTE}) == len(DEMO_PALETTE)
    objects = set(DEMO_CLASSES[1:])
    assert set(DEMO_COMMON_CLASSES) | set(DEMO_RARE_FRACTIONS) == objects
    assert not set(DEMO_COMMON_CLASSES) & set(DEMO_RARE_FRACTIONS)
    assert all(0 < f <= RARE_MAX_FRACTION
               for f in DEMO_RARE_FRACTIONS.values())


def test_layout(tmp_path):
    root = str(tmp_path)
    summary = generate_demo_voc(root, **TINY)
    assert summary['generated'] and summary['data_root'] == root
    for split in ('train', 'val'):
        names = read_split(root, split)
        assert len(names) == TINY[f'num_{split}'] == \
            summary[split]['num_images']
        for name in names:
            img = cv2.imread(
                osp.join(root, 'JPEGImages', name + '.jpg'),
                cv2.IMREAD_UNCHANGED)
            label = read_label(root, name)
            assert img.shape == (32, 32, 3) and img.dtype == np.uint8
            assert label.shape == (32, 32) and label.dtype == np.uint8
            values = set(np.unique(label).tolist())
            assert values <= set(range(len(DEMO_CLASSES)))
    assert not set(read_split(root, 'train')) & set(read_split(root, 'val'))


def test_relative_data_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    summary = generate_demo_voc(osp.join('data', 'demo'), **TINY)
    assert summary['data_root'] == osp.join('data', 'demo')
    assert len(read_split(osp.join('data', 'demo'), 'val')) == 4
    assert sorted(os.listdir(tmp_path)) == ['data']


def test_deterministic(tmp_path):
    generate_demo_voc(str(tmp_path / 'a'), **TINY)
    generate_demo_voc(str(tmp_path / 'b'), **TINY)
    first = all_files(str(tmp_path / 'a'))
    assert len(first) == 2 * (TINY['num_train'] + TINY['num_val']) + 3
    assert first == all_files(str(tmp_path / 'b'))
    generate_demo_voc(str(tmp_path / 'c'), **dict(TINY, seed=4))
    other = all_files(str(tmp_path / 'c'))
    assert other.keys() == first.keys()
    assert other['JPEGImages/train_00000.jpg'] != \
        first['JPEGImages/train_00000.jpg']


def test_reuse_and_regenerate(tmp_path):
    root = str(tmp_path)
    first = generate_demo_voc(root, **TINY)
    png = osp.join(root, 'SegmentationClass', 'val_00000.png')
    os.utime(png, (0, 0))
    again = generate_demo_voc(root, **TINY)
    assert not again['generated']
    assert again['train'] == first['train'] and again['val'] == first['val']
    assert os.stat(png).st_mtime == 0  # nothing was rewritten
    # a different parameter, or a missing file, regenerates
    assert generate_demo_voc(root, **dict(TINY, num_val=5))['generated']
    os.remove(png)
    assert generate_demo_voc(root, **dict(TINY, num_val=5))['generated']
    assert osp.isfile(png)


@pytest.mark.parametrize('kwargs', [
    dict(num_train=0),
    dict(num_val=2.0),
    dict(img_size=8),
    dict(seed=-1),
    dict(num_train=True)
])
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        generate_demo_voc(str(tmp_path), **dict(TINY, **kwargs))


def test_rare_classes(rarity_set):
    root, summary = rarity_set
    for split in ('train', 'val'):
        names = read_split(root, split)
        present = np.zeros(len(DEMO_CLASSES), np.int64)
        pixels = np.zeros(len(DEMO_CLASSES), np.int64)
        for name in names:
            counts = np.bincount(
                read_label(root, name).ravel(), minlength=len(DEMO_CLASSES))
            present += counts > 0
            pixels += counts
        # the summary is what the label files hold
        assert summary[split]['images_per_class'] == dict(
            zip(DEMO_CLASSES, present.tolist()))
        assert summary[split]['pixels_per_class'] == dict(
            zip(DEMO_CLASSES, pixels.tolist()))
        # every class appears in every split
        assert present.min() >= 1, (split, present)
        fraction = present / len(names)
        for name in DEMO_RARE_FRACTIONS:
            assert fraction[DEMO_CLASSES.index(name)] <= RARE_MAX_FRACTION
        if split == 'train':
            for name in DEMO_COMMON_CLASSES:
                assert fraction[DEMO_CLASSES.index(name)] >= \
                    COMMON_MIN_FRACTION


def test_config_metainfo_matches():
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_DATA_CFG)
    assert tuple(cfg.metainfo['classes']) == DEMO_CLASSES
    assert [list(c) for c in cfg.metainfo['palette']] == DEMO_PALETTE


def test_loads_as_base_seg_dataset(rarity_set):
    pytest.importorskip('mmseg')
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    init_default_scope('mmseg')
    root, summary = rarity_set
    cfg = Config.fromfile(DEMO_DATA_CFG)
    for split in ('train', 'val'):
        dataset_cfg = cfg[f'{split}_dataloader']['dataset'].to_dict()
        dataset_cfg.update(data_root=root)
        dataset = DATASETS.build(dataset_cfg)
        names = read_split(root, split)
        assert len(dataset) == len(names)
        assert dataset.metainfo['classes'] == DEMO_CLASSES
        for i, name in enumerate(names):
            info = dataset.get_data_info(i)
            assert info['img_path'] == osp.join(root, 'JPEGImages',
                                                name + '.jpg')
            assert info['seg_map_path'] == osp.join(root, 'SegmentationClass',
                                                    name + '.png')
        # the configured pipeline runs and keeps the class indices; a
        # training crop may be smaller (the data preprocessor pads it)
        sample = dataset[0]['data_samples']
        gt = sample.gt_sem_seg.data
        if split == 'val':
            assert gt.shape[-2:] == (64, 64)
        else:
            assert max(gt.shape[-2:]) <= 64
        assert set(gt.unique().tolist()) <= \
            set(range(len(DEMO_CLASSES))) | {255}


def test_imports_no_torch_or_mmseg():
    code = ('import sys\n'
            'from mmpfb.experiments.datasets import generate_demo_voc\n'
            'heavy = [m for m in ("torch", "mmseg", "mmcv", "mmpretrain") '
            'if m in sys.modules]\n'
            'assert not heavy, heavy\n')
    subprocess.run([sys.executable, '-c', code], check=True)
