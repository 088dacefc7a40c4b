# Copyright (c) mmpfb contributors. All rights reserved.
"""What the dataset generators share: a stamp file that records the
arguments a dataset on disk was written with, and the VOC layout."""
import json
import os.path as osp
from typing import Iterable, List, Optional, Tuple


def read_stamp(data_root: str, stamp_file: str,
               params: dict) -> Optional[dict]:
    """The stamp in ``data_root`` when it was written with ``params``.

    Args:
        data_root (str): The dataset's folder.
        stamp_file (str): The stamp's file name in it.
        params (dict): The generator's arguments, as stored.

    Returns:
        dict, optional: The stamp (``params`` and ``summary``), or None
        when it is missing, unreadable or written with other arguments.
    """
    try:
        with open(osp.join(data_root, stamp_file)) as f:
            stored = json.load(f)
    except (OSError, ValueError):
        return None
    return stored if stored.get('params') == params else None


def sample_names(split: str, num: int) -> List[str]:
    """``<split>_00000`` .. : the generators' names of a split's samples."""
    return [f'{split}_{i:05d}' for i in range(num)]


def voc_file_paths(data_root: str, name: str,
                   img_suffix: str) -> Tuple[str, str]:
    """Paths of a sample's image and label map in the VOC layout."""
    return (osp.join(data_root, 'JPEGImages', name + img_suffix),
            osp.join(data_root, 'SegmentationClass', name + '.png'))


def complete_voc_summary(data_root: str, stamp_file: str, params: dict,
                         splits: Iterable[str],
                         img_suffix: str) -> Optional[dict]:
    """The stored summary when ``data_root`` holds exactly the VOC-layout
    dataset written with ``params`` (``num_<split>`` samples per split).

    Args:
        data_root (str): The dataset's folder.
        stamp_file (str): The stamp's file name in it.
        params (dict): The generator's arguments, as stored.
        splits (Iterable[str]): The splits.
        img_suffix (str): The images' suffix, e.g. ``'.jpg'``.

    Returns:
        dict, optional: The stored summary, or None when anything is
        missing or differs.
    """
    stored = read_stamp(data_root, stamp_file, params)
    if stored is None:
        return None
    for split in splits:
        names = sample_names(split, params[f'num_{split}'])
        list_file = osp.join(data_root, 'ImageSets', 'Segmentation',
                             f'{split}.txt')
        try:
            with open(list_file) as f:
                if f.read().split() != names:
                    return None
        except OSError:
            return None
        for name in names:
            paths = voc_file_paths(data_root, name, img_suffix)
            if not all(map(osp.isfile, paths)):
                return None
    return stored.get('summary')
