# Copyright (c) mmpfb contributors. All rights reserved.
"""What the dataset generators share on the writing side: write a dataset
once per set of arguments, its stamp file last, and the VOC layout.

.. code:: text

    DatasetWriter.generate()
      ├─ stored_summary()       complete and stamped with params: reuse it
      ├─ prepare()              load the sources (nothing on disk yet)
      ├─ prepare_folders()      after the old stamp is removed
      ├─ write_split()          per split: files and the split's summary
      └─ the stamp: params, summary, stamp_extras()

:class:`VocDatasetWriter` writes ``JPEGImages/``, ``SegmentationClass/``
and ``ImageSets/Segmentation/<split>.txt``; its subclasses only draw.
"""
import json
import os
import os.path as osp
from abc import ABCMeta, abstractmethod
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log

from .generated_dataset import (complete_voc_summary, sample_names,
                                voc_file_paths)


class DatasetWriter(metaclass=ABCMeta):
    """Writes a generated dataset to ``data_root`` unless it is there.

    Subclasses set :attr:`stamp_file` and :attr:`description` and say
    when a folder is complete and how a split is written.

    Args:
        data_root (str): Folder to write into; created when missing.
        params (dict): The generator's arguments, as stored in the stamp.
        logger (str): Logger name for :func:`mmengine.logging.print_log`.
            Defaults to ``'current'``.
    """

    #: The stamp's file name in ``data_root``, written last.
    stamp_file: str = ''
    #: What the log messages call the dataset, e.g. ``'demo VOC data'``.
    description: str = ''
    splits: Tuple[str, ...] = ('train', 'val')
    #: The stamp's JSON indent; None writes it on one line.
    stamp_indent: Optional[int] = 2

    def __init__(self,
                 data_root: str,
                 params: dict,
                 logger: str = 'current') -> None:
        self.data_root = data_root
        self.params = params
        self.logger = logger

    def generate(self) -> dict:
        """Write the dataset, or reuse the complete one in ``data_root``.

        Returns:
            dict: The summary (``params`` and one entry per split) with
            ``data_root`` and ``generated`` (False when the folder was
            reused).
        """
        summary = self.stored_summary()
        if summary is not None:
            print_log(self.reused_message(), logger=self.logger)
            return dict(summary, data_root=self.data_root, generated=False)
        self.prepare()
        stamp = osp.join(self.data_root, self.stamp_file)
        if osp.isfile(stamp):
            os.remove(stamp)
        self.prepare_folders()
        summary = dict(params=self.params)
        for split_id, split in enumerate(self.splits):
            summary[split] = self.write_split(split_id, split)
        with open(stamp, 'w') as f:
            json.dump(
                dict(
                    params=self.params, summary=summary,
                    **self.stamp_extras()),
                f,
                indent=self.stamp_indent)
        print_log(self.written_message(summary), logger=self.logger)
        return dict(summary, data_root=self.data_root, generated=True)

    @abstractmethod
    def stored_summary(self) -> Optional[dict]:
        """The stored summary when ``data_root`` holds exactly this
        dataset, else None."""

    def prepare(self) -> None:
        """Load what writing needs before anything on disk changes; this
        writer needs nothing."""

    @abstractmethod
    def prepare_folders(self) -> None:
        """Make the folders (and remove this generator's old files)."""

    @abstractmethod
    def write_split(self, split_id: int, split: str) -> dict:
        """Write the files of a split and return its summary."""

    def stamp_extras(self) -> dict:
        """What the stamp holds besides ``params`` and ``summary``."""
        return {}

    def reused_message(self) -> str:
        """The log line when the folder is reused."""
        return (f'{self.description} in {self.data_root} is complete, '
                'not regenerated')

    def written_message(self, summary: dict) -> str:
        """The log line after writing, given the summary."""
        size = self.params['img_size']
        return (f'wrote {self.description} to {self.data_root}: '
                f'{self.params["num_train"]} train and '
                f'{self.params["num_val"]} val images of {size}x{size}; '
                'train images per class: '
                f'{summary["train"]["images_per_class"]}')


class VocDatasetWriter(DatasetWriter):
    """Writes a segmentation dataset in PASCAL VOC layout.

    .. code:: text

        data_root/
          JPEGImages/<name><img_suffix>
          SegmentationClass/<name>.png     uint8 class indices
          ImageSets/Segmentation/<split>.txt

    The samples of a split are named by :func:`sample_names`; a split's
    summary counts, per class, the images that show it and its pixels.
    Subclasses set :attr:`img_suffix` and :attr:`classes` and draw.
    """

    #: The images' suffix, e.g. ``'.jpg'``.
    img_suffix: str = ''
    #: Class names by label index.
    classes: Sequence[str] = ()
    #: Extra arguments of :func:`cv2.imwrite` for the images.
    image_write_params: Sequence[int] = ()

    def stored_summary(self) -> Optional[dict]:
        return complete_voc_summary(self.data_root, self.stamp_file,
                                    self.params, self.splits, self.img_suffix)

    def prepare_folders(self) -> None:
        for folder in ('JPEGImages', 'SegmentationClass',
                       osp.join('ImageSets', 'Segmentation')):
            os.makedirs(osp.join(self.data_root, folder), exist_ok=True)

    @abstractmethod
    def draw_split(
            self, split_id: int, split: str,
            names: List[str]) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        """Draw the samples ``names`` of a split, one after the other.

        Yields:
            tuple[np.ndarray, np.ndarray]: A sample's BGR uint8 image and
            its uint8 label map.
        """

    def split_extras(self, split: str) -> dict:
        """Entries of a split's summary besides the class counts, asked
        for after the split is drawn."""
        return {}

    def write_split(self, split_id: int, split: str) -> dict:
        num = self.params[f'num_{split}']
        names = sample_names(split, num)
        images = np.zeros(len(self.classes), np.int64)
        pixels = np.zeros(len(self.classes), np.int64)
        for name, (image,
                   label) in zip(names,
                                 self.draw_split(split_id, split, names)):
            self.write_sample(name, image, label)
            counts = np.bincount(label.ravel(), minlength=len(self.classes))
            pixels += counts
            images += counts > 0
        list_file = osp.join(self.data_root, 'ImageSets', 'Segmentation',
                             f'{split}.txt')
        with open(list_file, 'w') as f:
            f.write(''.join(n + '\n' for n in names))
        return dict(
            num_images=num,
            **self.split_extras(split),
            images_per_class=self.per_class(images),
            pixels_per_class=self.per_class(pixels))

    def write_sample(self, name: str, image: np.ndarray,
                     label: np.ndarray) -> None:
        """Write a sample's image and label map."""
        img_path, seg_path = voc_file_paths(self.data_root, name,
                                            self.img_suffix)
        ok = cv2.imwrite(img_path, image, list(self.image_write_params))
        ok &= cv2.imwrite(seg_path, label)
        if not ok:
            raise OSError(f'could not write {name} to {self.data_root}')

    def per_class(self, counts: np.ndarray) -> Dict[str, int]:
        """Class name to count, given the counts by label index."""
        return dict(zip(self.classes, counts.tolist()))
