# Copyright (c) mmpfb contributors. All rights reserved.
import json

import pytest

from mmpfb.datasets.arg_checks import check_min_ints
from mmpfb.experiments.datasets.generated_dataset import (complete_voc_summary,
                                                          read_stamp,
                                                          sample_names,
                                                          voc_file_paths)

PARAMS = dict(num_train=2, num_val=1, seed=0)


def write_voc(root, params=PARAMS, suffix='.jpg'):
    for split in ('train', 'val'):
        names = sample_names(split, params[f'num_{split}'])
        lists = root / 'ImageSets' / 'Segmentation'
        lists.mkdir(parents=True, exist_ok=True)
        (lists / f'{split}.txt').write_text('\n'.join(names))
        for name in names:
            for path in voc_file_paths(str(root), name, suffix):
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_bytes(b'x')
    (root / 'stamp.json').write_text(
        json.dumps(dict(params=params, summary=dict(n=3))))


def test_stamp_must_match_the_arguments(tmp_path):
    write_voc(tmp_path)
    assert read_stamp(str(tmp_path), 'stamp.json', PARAMS)['summary'] == {
        'n': 3
    }
    assert read_stamp(str(tmp_path), 'stamp.json', {**PARAMS, 'seed': 1}) \
        is None
    assert read_stamp(str(tmp_path), 'missing.json', PARAMS) is None
    (tmp_path / 'stamp.json').write_text('{not json')
    assert read_stamp(str(tmp_path), 'stamp.json', PARAMS) is None


def test_voc_summary_needs_every_listed_file(tmp_path):
    write_voc(tmp_path)
    args = (str(tmp_path), 'stamp.json', PARAMS, ('train', 'val'), '.jpg')
    assert complete_voc_summary(*args) == {'n': 3}
    assert complete_voc_summary(*args[:4], '.png') is None
    (tmp_path / 'SegmentationClass' / 'val_00000.png').unlink()
    assert complete_voc_summary(*args) is None


@pytest.mark.parametrize('value', [0, -1, 1.5, True, '2'])
def test_min_ints_name_argument_and_value(value):
    with pytest.raises(ValueError) as err:
        check_min_ints([('num_train', value, 1)])
    assert 'num_train' in str(err.value) and repr(value) in str(err.value)
