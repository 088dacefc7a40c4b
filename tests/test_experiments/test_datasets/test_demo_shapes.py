# Copyright (c) mmpfb contributors. All rights reserved.
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmpfb.experiments.datasets.demo_shapes import (DEMO_SHAPES_CLASSES,
                                                    DEMO_SHAPES_COMMON_CLASSES,
                                                    DEMO_SHAPES_RARE_FRACTIONS,
                                                    generate_demo_shapes)

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), *[osp.pardir] * 3))
DATASETS_DIR = osp.join(REPO_ROOT, 'mmpfb', 'experiments', 'datasets')
DEMO_CFG = osp.join(REPO_ROOT, 'configs', 'demo',
                    'resnet18_1xb32-10e_demo-shapes-32px.py')
TINY = dict(num_train=20, num_val=10, img_size=32, seed=3)
# In the rarity test rare classes must stay in at most this fraction of
# the training images, common ones in at least COMMON_MIN_FRACTION.
RARE_MAX_FRACTION = 0.1
COMMON_MIN_FRACTION = 0.2


def all_files(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = f.read()
    return out


def images_per_class(root, split):
    return {
        c: len(os.listdir(osp.join(root, split, c)))
        for c in DEMO_SHAPES_CLASSES
    }


def an_image(root, split):
    """Path of the first image of the first class folder of a split."""
    folder = osp.join(root, split, DEMO_SHAPES_CLASSES[0])
    return osp.join(folder, sorted(os.listdir(folder))[0])


@pytest.fixture(scope='module')
def rarity_set(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('rarity'))
    summary = generate_demo_shapes(root, num_train=200, num_val=50, seed=0)
    return root, summary


def test_constants():
    # CustomDataset numbers the class folders in sorted order
    assert list(DEMO_SHAPES_CLASSES) == sorted(DEMO_SHAPES_CLASSES)
    assert set(DEMO_SHAPES_COMMON_CLASSES) | set(
        DEMO_SHAPES_RARE_FRACTIONS) == set(DEMO_SHAPES_CLASSES)
    assert not set(DEMO_SHAPES_COMMON_CLASSES) & set(
        DEMO_SHAPES_RARE_FRACTIONS)
    assert all(0 < f <= RARE_MAX_FRACTION
               for f in DEMO_SHAPES_RARE_FRACTIONS.values())


def test_layout(tmp_path):
    root = str(tmp_path)
    summary = generate_demo_shapes(root, **TINY)
    assert summary['generated'] and summary['data_root'] == root
    assert sorted(os.listdir(root)) == ['demo_shapes.json', 'train', 'val']
    names = {}
    for split in ('train', 'val'):
        assert sorted(os.listdir(osp.join(root, split))) == \
            list(DEMO_SHAPES_CLASSES)
        assert images_per_class(root, split) == \
            summary[split]['images_per_class']
        assert summary[split]['num_images'] == TINY[f'num_{split}']
        names[split] = set()
        for cls in DEMO_SHAPES_CLASSES:
            for name in os.listdir(osp.join(root, split, cls)):
                img = cv2.imread(
                    osp.join(root, split, cls, name), cv2.IMREAD_UNCHANGED)
                assert img.shape == (32, 32, 3) and img.dtype == np.uint8
                names[split].add(name)
        assert len(names[split]) == TINY[f'num_{split}']
    assert not names['train'] & names['val']


def test_deterministic(tmp_path):
    generate_demo_shapes(str(tmp_path / 'a'), **TINY)
    generate_demo_shapes(str(tmp_path / 'b'), **TINY)
    first = all_files(str(tmp_path / 'a'))
    assert len(first) == TINY['num_train'] + TINY['num_val'] + 1
    assert first == all_files(str(tmp_path / 'b'))
    generate_demo_shapes(str(tmp_path / 'c'), **dict(TINY, seed=4))
    other = all_files(str(tmp_path / 'c'))
    images = sorted(set(first) & set(other) - {'demo_shapes.json'})
    assert images and all(first[k] != other[k] for k in images)


def test_reuse_and_regenerate(tmp_path):
    root = str(tmp_path)
    first = generate_demo_shapes(root, **TINY)
    png = an_image(root, 'val')
    os.utime(png, (0, 0))
    again = generate_demo_shapes(root, **TINY)
    assert not again['generated']
    assert again['train'] == first['train'] and again['val'] == first['val']
    assert os.stat(png).st_mtime == 0  # nothing was rewritten
    # another parameter regenerates and leaves none of the old images;
    # files that the generator did not write stay
    foreign = osp.join(root, 'train', DEMO_SHAPES_CLASSES[0], 'mine.png')
    with open(foreign, 'wb') as f:
        f.write(b'x')
    summary = generate_demo_shapes(root, **dict(TINY, num_val=12))
    assert summary['generated'] and osp.isfile(foreign)
    os.remove(foreign)
    assert sum(images_per_class(root, 'val').values()) == 12
    assert images_per_class(root, 'val') == summary['val']['images_per_class']
    # so does a missing or a stray image
    os.remove(an_image(root, 'val'))
    assert generate_demo_shapes(root, **dict(TINY, num_val=12))['generated']
    stray = osp.join(root, 'val', DEMO_SHAPES_CLASSES[1], 'val_99999.png')
    with open(stray, 'wb') as f:
        f.write(b'x')
    assert generate_demo_shapes(root, **dict(TINY, num_val=12))['generated']
    assert not osp.exists(stray)


@pytest.mark.parametrize('kwargs', [
    dict(num_train=9),
    dict(num_val=2.0),
    dict(img_size=8),
    dict(seed=-1),
    dict(num_train=True)
])
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        generate_demo_shapes(str(tmp_path), **dict(TINY, **kwargs))


def test_rare_classes(rarity_set):
    root, summary = rarity_set
    train = images_per_class(root, 'train')
    assert train == summary['train']['images_per_class']
    assert min(train.values()) >= 1
    for name in DEMO_SHAPES_RARE_FRACTIONS:
        assert train[name] / 200 <= RARE_MAX_FRACTION
    for name in DEMO_SHAPES_COMMON_CLASSES:
        assert train[name] / 200 >= COMMON_MIN_FRACTION
    # the validation split is balanced
    assert set(images_per_class(root, 'val').values()) == {10}


def test_config_metainfo_matches():
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_CFG)
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        assert tuple(dataset.metainfo['classes']) == DEMO_SHAPES_CLASSES
    assert cfg.model.head.num_classes == len(DEMO_SHAPES_CLASSES)
    assert cfg.model.data_preprocessor.num_classes == len(DEMO_SHAPES_CLASSES)


def test_loads_as_custom_dataset(rarity_set):
    pytest.importorskip('mmpretrain')
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS

    root, summary = rarity_set
    cfg = Config.fromfile(DEMO_CFG)
    for split in ('train', 'val'):
        dataset_cfg = cfg[f'{split}_dataloader'].dataset.to_dict()
        dataset_cfg.update(data_root=root)
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            dataset = DATASETS.build(dataset_cfg)
        assert dataset.metainfo['classes'] == DEMO_SHAPES_CLASSES
        assert len(dataset) == summary[split]['num_images']
        labels = np.array([
            dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))
        ])
        assert labels.min() >= 0 and labels.max() < len(DEMO_SHAPES_CLASSES)
        counts = np.bincount(labels, minlength=len(DEMO_SHAPES_CLASSES))
        assert dict(zip(DEMO_SHAPES_CLASSES, counts.tolist())) == \
            summary[split]['images_per_class']
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            folder = osp.basename(osp.dirname(info['img_path']))
            assert DEMO_SHAPES_CLASSES[info['gt_label']] == folder
        # the configured pipeline runs
        sample = dataset[0]
        assert tuple(sample['inputs'].shape) == (3, 32, 32)
        assert int(sample['data_samples'].gt_label) == labels[0]


def test_imports_no_torch_or_hosts():
    # Load the module with empty stand-ins for the mmpfb packages, whose
    # __init__ files import torch.
    code = ('import sys, types\n'
            'for name, path in ('
            f'("mmpfb", {osp.join(REPO_ROOT, "mmpfb")!r}), '
            f'("mmpfb.experiments", {osp.dirname(DATASETS_DIR)!r}), '
            f'("mmpfb.experiments.datasets", {DATASETS_DIR!r})):\n'
            '    module = types.ModuleType(name)\n'
            '    module.__path__ = [path]\n'
            '    sys.modules[name] = module\n'
            'import mmpfb.experiments.datasets.demo_shapes\n'
            'heavy = [m for m in ("torch", "mmseg", "mmpretrain", "mmcv") '
            'if m in sys.modules]\n'
            'assert not heavy, heavy\n')
    subprocess.run([sys.executable, '-c', code], check=True)
