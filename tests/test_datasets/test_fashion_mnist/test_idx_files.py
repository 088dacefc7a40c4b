# Copyright (c) mmpfb contributors. All rights reserved.
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from mmpfb.datasets.fashion_mnist import (DEFAULT_SRC, IDX_FILES,
                                          INSTALL_COMMAND,
                                          prepare_fashion_mnist, read_idx,
                                          read_split)
from .utils import write_fashion_mnist, write_idx

REPO_ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
TOOL = osp.join(REPO_ROOT, 'tools', 'dataset_converters',
                'prepare_fashion_mnist.py')
CONFIG = osp.join(REPO_ROOT, 'configs', 'fashion_mnist',
                  'resnet18_1xb128-2e_fashion-mnist.py')
TINY_SIZES = {'train': 7, 'test': 3}


def tiny_split(split):
    """Images whose every pixel encodes (split, index), labels 9 - i."""
    num = TINY_SIZES[split]
    offset = 100 if split == 'test' else 0
    images = np.stack(
        [np.full((28, 28), offset + i, np.uint8) for i in range(num)])
    images[:, 0, 0] = 255  # one pixel that differs from the rest
    labels = np.array([9 - i for i in range(num)], np.uint8)
    return images, labels


@pytest.fixture
def tiny_src(tmp_path):
    """The four IDX files, gzipped like the Debian package's."""
    src = tmp_path / 'src'
    src.mkdir()
    write_fashion_mnist(
        str(src), {split: tiny_split(split)
                   for split in IDX_FILES}, '.gz')
    return str(src)


@pytest.mark.parametrize('suffix', ['', '.gz'])
def test_read_idx_round_trip(tmp_path, suffix):
    array = np.arange(2 * 3 * 5, dtype=np.uint8).reshape(2, 3, 5)
    path = str(tmp_path / ('x' + suffix))
    write_idx(path, array)
    np.testing.assert_array_equal(read_idx(path), array)


@pytest.mark.parametrize('data, message', [
    (bytes([0, 0, 13, 1, 0, 0, 0, 1]) + bytes(4), 'not an unsigned-byte'),
    (bytes([0, 0, 8, 1, 0, 0, 0, 5]) + bytes(4), 'header says'),
])
def test_read_idx_rejects_bad_files(tmp_path, data, message):
    path = tmp_path / 'bad'
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        read_idx(str(path))


def test_prepare_then_host_class_reads_splits(tiny_src, tmp_path):
    """The prepared folder through MMPretrain's own FashionMNIST: the
    test split needs ``test_mode=True`` (the host picks the files by
    ``test_mode``, not by ``split``)."""
    mmpretrain_datasets = pytest.importorskip('mmpretrain.datasets')
    out = str(tmp_path / 'out')
    assert prepare_fashion_mnist(out, src=tiny_src) == TINY_SIZES
    for name in (n for pair in IDX_FILES.values() for n in pair):
        assert osp.isfile(osp.join(out, name))
    for split, test_mode in (('train', False), ('test', True)):
        dataset = mmpretrain_datasets.FashionMNIST(
            data_root=out, split=split, test_mode=test_mode, download=False)
        images, labels = tiny_split(split)
        assert len(dataset) == TINY_SIZES[split]
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            np.testing.assert_array_equal(info['img'], images[i])
            assert int(info['gt_label']) == labels[i]
    # The pitfall: split='test' alone still reads the training files.
    pitfall = mmpretrain_datasets.FashionMNIST(
        data_root=out, split='test', download=False)
    assert len(pitfall) == TINY_SIZES['train']


def test_prepare_leaves_another_writers_temporary_files(tiny_src, tmp_path):
    """Two processes preparing one folder at once (two study lanes) each
    write their own temporary file: neither renames the other's away."""
    out = tmp_path / 'out'
    out.mkdir()
    name = IDX_FILES['train'][0]
    others = [out / f'{name}.part', out / f'{name}.other.part']
    for other in others:
        other.write_bytes(b'half written by another process')
    prepare_fashion_mnist(str(out), src=tiny_src)
    for other in others:
        assert other.read_bytes() == b'half written by another process'
    images, _ = tiny_split('train')
    assert read_idx(str(out / name)).shape == images.shape
    assert sorted(p.name for p in out.iterdir()
                  if p.suffix == '.part') == sorted(o.name for o in others)


def test_read_split_matches_host(tiny_src):
    for split in IDX_FILES:
        images, labels = read_split(tiny_src, split)
        expected_images, expected_labels = tiny_split(split)
        np.testing.assert_array_equal(images, expected_images)
        np.testing.assert_array_equal(labels, expected_labels)


@pytest.mark.parametrize('explicit', [True, False])
def test_missing_data_names_the_install_command(tmp_path, monkeypatch,
                                                explicit):
    empty = str(tmp_path / 'empty')
    src = empty if explicit else None
    if not explicit:
        monkeypatch.setattr(
            'mmpfb.datasets.fashion_mnist.idx_files.DEFAULT_SRC', empty)
    with pytest.raises(FileNotFoundError) as info:
        prepare_fashion_mnist(str(tmp_path / 'out'), src=src)
    message = str(info.value)
    assert INSTALL_COMMAND in message
    assert empty in message
    assert ('the folder given' in message) == explicit
    assert 'train-images-idx3-ubyte' in message
    assert not osp.exists(tmp_path / 'out')


def test_tool_writes_out_dir(tiny_src, tmp_path):
    out = str(tmp_path / 'tool_out')
    result = subprocess.run(
        [sys.executable, TOOL, '--src', tiny_src, '--out-dir', out],
        capture_output=True,
        text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    images, labels = read_split(out, 'test')
    np.testing.assert_array_equal(labels, tiny_split('test')[1])


@pytest.fixture(scope='module')
def real_data(tmp_path_factory):
    if not osp.isdir(DEFAULT_SRC):
        pytest.skip(f'Fashion-MNIST package not installed ({DEFAULT_SRC}); '
                    f'{INSTALL_COMMAND}')
    out = str(tmp_path_factory.mktemp('fashion_mnist'))
    return out, prepare_fashion_mnist(out)


def test_real_data_splits_through_config(real_data):
    """The configs' datasets: 60k training and the 10k test split."""
    pytest.importorskip('mmpretrain')
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    root, counts = real_data
    assert counts == {'train': 60000, 'test': 10000}
    cfg = Config.fromfile(CONFIG)
    init_default_scope('mmpretrain')
    sizes = {}
    for loader in ('train_dataloader', 'test_dataloader'):
        dataset_cfg = cfg[loader].dataset
        dataset_cfg.data_root = root
        dataset = DATASETS.build(dataset_cfg)
        sizes[loader] = len(dataset)
        labels = dataset.get_gt_labels()
        assert np.bincount(labels, minlength=10).tolist() == \
            [len(dataset) // 10] * 10
    assert sizes == {'train_dataloader': 60000, 'test_dataloader': 10000}
    _, test_labels = read_split(DEFAULT_SRC, 'test')
    np.testing.assert_array_equal(dataset.get_gt_labels(), test_labels)
