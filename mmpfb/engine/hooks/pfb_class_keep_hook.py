# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List, Optional, Sequence, Union

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmpfb.models.blocking import (LABEL_MAP_RULES, PFBModelMixin,
                                   label_map_classes)
from mmpfb.registry import HOOKS, register_in_host_scopes
from mmpfb.utils.arg_checks import check_choice, check_int

DATA_BATCH = Optional[Union[dict, tuple, list]]


@HOOKS.register_module()
class PFBClassKeepHook(Hook):
    """Log which classes PFB keeps: the keep rate per class.

    Every ``interval`` iterations the hook logs, for each class met since
    the last time, the share of its samples that went on through the deep
    part, as ``train/pfb_keep_rate.<class name>`` (summed over all ranks).
    Random pruning keeps about ``1 - p`` of every class; PFB keeps more of
    the rare ones.

    A sample's class is its ``gt_label`` for classification (samples with
    other than one label are skipped) and, for segmentation, one class of
    its ``gt_sem_seg`` (pixels at ``ignore_index`` left out): with
    ``seg_label='dominant'`` the class with the most pixels in the image,
    with ``'rarest'`` the class present with the fewest pixels in it.

    Args:
        interval (int): Iterations between two logged values.
            Defaults to 50.
        seg_label (str): ``'dominant'`` or ``'rarest'``; see above.
            Defaults to ``'dominant'``.
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.
        priority (int | str): Hook priority; before the logger's.
            Defaults to ``'NORMAL'``.
    """

    def __init__(self,
                 interval: int = 50,
                 seg_label: str = 'dominant',
                 ignore_index: int = 255,
                 priority='NORMAL') -> None:
        check_int('interval', interval, 1)
        check_choice('seg_label', seg_label, LABEL_MAP_RULES)
        self.interval = interval
        self.seg_label = seg_label
        self.ignore_index = ignore_index
        self.priority = priority
        self.model: Optional[PFBModelMixin] = None
        self.class_names: Sequence[str] = ()
        self.seen = torch.zeros(0, dtype=torch.long)
        self.kept = torch.zeros(0, dtype=torch.long)

    def before_train(self, runner) -> None:
        """Find the model and the dataset's class names."""
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        if not isinstance(model, PFBModelMixin):
            raise TypeError('PFBClassKeepHook needs a model with PFB '
                            f'support, but the model is '
                            f'{type(model).__name__}')
        self.model = model
        dataset = runner.train_dataloader.dataset
        self.class_names = tuple(
            getattr(dataset, 'metainfo', {}).get('classes', ()))
        if not self.class_names:
            raise ValueError(
                'PFBClassKeepHook names the classes after the training '
                "dataset's metainfo['classes'], but "
                f'{type(dataset).__name__} has none')
        self._reset(len(self.class_names))

    def _reset(self, num_classes: int) -> None:
        self.seen = torch.zeros(num_classes, dtype=torch.long)
        self.kept = torch.zeros(num_classes, dtype=torch.long)

    def batch_classes(self, samples: Sequence) -> List[Optional[int]]:
        """The class each data sample counts for; None to skip it.

        The labels come to the host in one copy per batch (none when
        they are there already, as in the data batch a hook sees).
        """
        labels = [
            s.gt_label.reshape(-1) if 'gt_label' in s else None
            for s in samples
        ]
        rows = [
            i for i, label in enumerate(labels)
            if label is not None and label.numel() == 1
        ]
        if rows:
            found = torch.cat([labels[i] for i in rows]).tolist()
        else:
            rows = [i for i, s in enumerate(samples) if 'gt_sem_seg' in s]
            found = label_map_classes(
                [samples[i].gt_sem_seg.data
                 for i in rows], len(self.class_names), self.ignore_index,
                self.seg_label).tolist() if rows else []
        classes: List[Optional[int]] = [None] * len(samples)
        for row, label in zip(rows, found):
            if 0 <= label < len(self.class_names):
                classes[row] = label
        return classes

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Count the batch's classes and kept classes; log every
        ``interval`` iterations."""
        samples = data_batch.get('data_samples') if isinstance(
            data_batch, dict) else None
        if samples:
            keep = self.model.last_keep_index
            kept_rows = set(range(len(samples)) if keep is None else keep)
            for row, label in enumerate(self.batch_classes(samples)):
                if label is None:
                    continue
                self.seen[label] += 1
                self.kept[label] += int(row in kept_rows)
        if self.every_n_train_iters(runner, self.interval):
            self._log(runner)

    def _log(self, runner) -> None:
        counts = torch.stack([self.seen, self.kept]).float()
        all_reduce(counts)
        seen, kept = counts
        for label in seen.nonzero().flatten().tolist():
            runner.message_hub.update_scalar(
                f'train/pfb_keep_rate.{self.class_names[label]}',
                float(kept[label] / seen[label]))
        self._reset(len(self.class_names))


register_in_host_scopes('HOOKS', PFBClassKeepHook)
