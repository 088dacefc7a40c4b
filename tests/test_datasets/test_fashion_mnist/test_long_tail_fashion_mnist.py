# Copyright (c) mmpfb contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest

from mmpfb.datasets.fashion_mnist import (DEFAULT_SRC, IDX_FILES,
                                          long_tail_counts,
                                          prepare_fashion_mnist)
from .utils import write_fashion_mnist

pytest.importorskip('mmpretrain')

REPO_ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
LT_CONFIG = osp.join(REPO_ROOT, 'configs', 'fashion_mnist',
                     'resnet18_1xb128-8e_fashion-mnist-lt100.py')
PER_CLASS = 30


@pytest.fixture(scope='module')
def tiny_root(tmp_path_factory):
    """30 training images per class and 10 test; the first two pixels of
    a training image hold its index (low byte, high byte)."""
    root = str(tmp_path_factory.mktemp('tiny_fmnist'))
    labels = np.random.default_rng(0).permutation(
        np.repeat(np.arange(10, dtype=np.uint8), PER_CLASS))
    images = np.zeros((len(labels), 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(len(labels)) % 256
    images[:, 0, 1] = np.arange(len(labels)) // 256
    test = (np.zeros((10, 28, 28), np.uint8), np.arange(10, dtype=np.uint8))
    write_fashion_mnist(root, {'train': (images, labels), 'test': test})
    return root, images, labels


def build(root, **kwargs):
    from mmpfb.datasets.fashion_mnist.long_tail_fashion_mnist import \
        LongTailFashionMNIST
    return LongTailFashionMNIST(data_root=root, **kwargs)


def class_counts(dataset):
    return np.bincount(dataset.get_gt_labels(), minlength=10).tolist()


@pytest.mark.parametrize('factor, order',
                         [(10., None), (10., [9, 3, 1, 0, 2, 4, 8, 5, 6, 7]),
                          (1., None)])
def test_class_counts(tiny_root, factor, order):
    root, images, labels = tiny_root
    dataset = build(
        root,
        max_per_class=PER_CLASS,
        imbalance_factor=factor,
        class_order=order)
    counts = long_tail_counts(PER_CLASS, 10, factor)
    order = list(range(10)) if order is None else order
    expected = [0] * 10
    for label, count in zip(order, counts):
        expected[label] = count
    assert class_counts(dataset) == expected
    # Each kept sample is a real one of the split, with its own label.
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        index = int(info['img'][0, 0]) + 256 * int(info['img'][0, 1])
        assert int(info['gt_label']) == labels[index]


def test_subset_seed(tiny_root):
    root = tiny_root[0]

    def pixels(dataset):
        return [
            dataset.get_data_info(i)['img'][0, :2].tolist()
            for i in range(len(dataset))
        ]

    first = pixels(build(root, max_per_class=20, subset_seed=1))
    assert first == pixels(build(root, max_per_class=20, subset_seed=1))
    assert first != pixels(build(root, max_per_class=20, subset_seed=2))


def test_test_mode_reads_test_files(tiny_root):
    dataset = build(
        tiny_root[0],
        max_per_class=1,
        imbalance_factor=1.,
        split='test',
        test_mode=True)
    assert class_counts(dataset) == [1] * 10


@pytest.mark.parametrize('kwargs, match', [
    (dict(max_per_class=PER_CLASS + 1), 'has 30 samples'),
    (dict(class_order=[0, 1, 2]), 'class_order'),
    (dict(imbalance_factor=0.), 'imbalance_factor'),
])
def test_bad_arguments(tiny_root, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(tiny_root[0], **kwargs)


def test_registered_for_configs(tiny_root):
    from mmengine.registry import DATASETS, init_default_scope
    init_default_scope('mmpretrain')
    dataset = DATASETS.build(
        dict(
            type='mmpfb.LongTailFashionMNIST',
            data_root=tiny_root[0],
            max_per_class=PER_CLASS,
            imbalance_factor=10.,
            pipeline=[dict(type='PackInputs')]))
    assert class_counts(dataset) == long_tail_counts(PER_CLASS, 10, 10.)
    assert dataset[0]['inputs'].shape == (1, 28, 28)


def test_real_long_tailed_config(tmp_path_factory):
    if not osp.isdir(DEFAULT_SRC):
        pytest.skip(f'Fashion-MNIST package not installed in {DEFAULT_SRC}')
    from mmengine.config import Config
    from mmengine.registry import DATASETS, init_default_scope
    root = str(tmp_path_factory.mktemp('fmnist_lt'))
    prepare_fashion_mnist(root)
    cfg = Config.fromfile(LT_CONFIG)
    init_default_scope(cfg.default_scope)
    cfg.train_dataloader.dataset.data_root = root
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert class_counts(train) == [
        6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60
    ]
    cfg.test_dataloader.dataset.data_root = root
    assert class_counts(DATASETS.build(cfg.test_dataloader.dataset)) == \
        [1000] * 10
    assert set(IDX_FILES) == {'train', 'test'}
