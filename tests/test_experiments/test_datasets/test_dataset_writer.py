# Copyright (c) mmpfb contributors. All rights reserved.
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmpfb.experiments.datasets.dataset_writer import VocDatasetWriter

CLASSES = ('background', 'a', 'b')
PARAMS = dict(num_train=3, num_val=2, img_size=8)


class StripeWriter(VocDatasetWriter):
    """Sample ``i`` of a split: label ``i % 3`` in its top ``i + 1`` rows,
    the image is the label map times 100 in every channel."""

    stamp_file = 'stripes.json'
    description = 'stripes'
    img_suffix = '.png'
    classes = CLASSES

    def __init__(self, data_root, params=PARAMS, fail_split=None):
        super().__init__(data_root, params)
        self.fail_split = fail_split
        self.prepared = False

    def prepare(self):
        self.prepared = True
        if self.fail_split == 'prepare':
            raise FileNotFoundError('no sources')

    def draw_split(self, split_id, split, names):
        if split == self.fail_split:
            raise RuntimeError('drawing failed')
        for i, _ in enumerate(names):
            label = np.zeros((8, 8), np.uint8)
            label[:i + 1] = i % 3
            yield np.repeat(label[..., None] * 100, 3, axis=2), label

    def split_extras(self, split):
        return dict(drawn=split)


def expected_split(num):
    """Counts of the stripes, class by class, worked out by hand."""
    images, pixels = [0, 0, 0], [0, 0, 0]
    for i in range(num):
        images[0] += 1  # rows below the stripe, or the stripe itself
        pixels[0] += 64 - 8 * (i + 1)
        if i % 3:
            images[i % 3] += 1
        pixels[i % 3] += 8 * (i + 1)
    return images, pixels


def test_writes_the_voc_layout_and_the_stamp_last(tmp_path):
    root = str(tmp_path / 'data')
    result = StripeWriter(root).generate()
    assert result['generated'] and result['data_root'] == root
    for split in ('train', 'val'):
        num = PARAMS[f'num_{split}']
        names = [f'{split}_{i:05d}' for i in range(num)]
        with open(osp.join(root, 'ImageSets', 'Segmentation',
                           f'{split}.txt')) as f:
            assert f.read() == ''.join(n + '\n' for n in names)
        for i, name in enumerate(names):
            label = cv2.imread(
                osp.join(root, 'SegmentationClass', name + '.png'),
                cv2.IMREAD_UNCHANGED)
            image = cv2.imread(osp.join(root, 'JPEGImages', name + '.png'))
            assert (label[:i + 1] == i % 3).all() and not label[i + 1:].any()
            assert (image == label[..., None] * 100).all()
        images, pixels = expected_split(num)
        # the split's own entries first, then the class counts
        assert list(result[split]) == [
            'num_images', 'drawn', 'images_per_class', 'pixels_per_class'
        ]
        assert result[split]['num_images'] == num
        assert result[split]['drawn'] == split
        assert result[split]['images_per_class'] == dict(zip(CLASSES, images))
        assert result[split]['pixels_per_class'] == dict(zip(CLASSES, pixels))
    with open(osp.join(root, 'stripes.json')) as f:
        text = f.read()
    stamp = json.loads(text)
    assert stamp == dict(
        params=PARAMS,
        summary={k: result[k]
                 for k in ('params', 'train', 'val')})
    assert text.startswith('{\n  "params"')  # indent 2 by default


def test_reuses_a_complete_folder_and_nothing_else(tmp_path):
    root = str(tmp_path)
    first = StripeWriter(root).generate()
    label = osp.join(root, 'SegmentationClass', 'val_00001.png')
    os.utime(label, (0, 0))
    writer = StripeWriter(root)
    again = writer.generate()
    assert not again['generated'] and not writer.prepared
    assert {k: again[k] for k in ('train', 'val')} == \
        {k: first[k] for k in ('train', 'val')}
    assert os.stat(label).st_mtime == 0
    other = dict(PARAMS, num_val=3)
    assert StripeWriter(root, other).generate()['generated']
    assert osp.isfile(osp.join(root, 'SegmentationClass', 'val_00002.png'))


def test_a_failed_split_leaves_no_stamp(tmp_path):
    root = str(tmp_path)
    StripeWriter(root).generate()
    with pytest.raises(RuntimeError, match='drawing failed'):
        StripeWriter(root, dict(PARAMS, num_val=3), 'val').generate()
    assert not osp.exists(osp.join(root, 'stripes.json'))
    # the old arguments no longer find a complete folder
    assert StripeWriter(root).generate()['generated']


def test_prepare_runs_before_anything_on_disk_changes(tmp_path):
    root = str(tmp_path / 'data')
    with pytest.raises(FileNotFoundError):
        StripeWriter(root, fail_split='prepare').generate()
    assert not osp.exists(root)
    StripeWriter(root).generate()
    with pytest.raises(FileNotFoundError):
        StripeWriter(root, dict(PARAMS, num_val=3), 'prepare').generate()
    assert osp.isfile(osp.join(root, 'stripes.json'))
    assert not StripeWriter(root).generate()['generated']
