# Copyright (c) mmpfb contributors. All rights reserved.
"""What PFB's selection drops, by class, on a config's training batches,
and how much of its ranking the random term decides."""
import statistics
from dataclasses import dataclass
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DATASETS, DefaultScope
from mmengine.runner import load_checkpoint
from torch import Tensor

from mmpfb.models.blocking import LABEL_MAP_RULES, label_map_class
from mmpfb.models.density import pool_representation
from mmpfb.utils.arg_checks import check_choice, check_int
from .benchmark import Batch, build_model, real_batches

# How a segmentation image counts in the report: one class of its label
# map (the rules of PFBClassKeepHook), or every class it has pixels of.
SEG_LABEL_RULES = LABEL_MAP_RULES + ('present', )


@dataclass
class SelectionReport:
    """What :func:`analyze_selection` found.

    Attributes:
        classes (list[str]): Class names, by class id (a segmentation
            image counts as :func:`analyze_selection`'s ``seg_label``
            says; images without a labelled pixel come last).
        seen (list[int]): Samples of each class in the batches.
        dropped (list[int]): Of those, how many the selection dropped.
        log_density_sd (list[float]): Per batch, the standard deviation
            of the samples' log densities (nats).
        density_ranked (float, optional): Share of the samples whose
            density term ``exp(log f_i - max_k log f_k)`` exceeds the
            random term's bound ``b``: those are ordered by density; the
            others mostly by the random term. None with ``log_noise``.
    """
    classes: List[str]
    seen: List[int]
    dropped: List[int]
    log_density_sd: List[float]
    density_ranked: Optional[float]

    def format(self) -> List[str]:
        """A markdown table by class and two summary lines."""
        lines = [
            '| class | samples | dropped | dropped share |',
            '|---|---|---|---|',
        ]
        for name, seen, dropped in zip(self.classes, self.seen, self.dropped):
            share = f'{dropped / seen:.1%}' if seen else '-'
            lines.append(f'| {name} | {seen} | {dropped} | {share} |')
        sd = self.log_density_sd
        lines.append(f'log-density standard deviation per batch: median '
                     f'{statistics.median(sd):.2f} nats (range '
                     f'{min(sd):.2f}-{max(sd):.2f})')
        if self.density_ranked is not None:
            lines.append(f'ranked by density (density term above the random '
                         f'bound): {self.density_ranked:.1%} of the samples')
        return lines


def _class_names(cfg: Config, num: int) -> List[str]:
    """The train dataset's class names, or the ids as text."""
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    names = list(dataset.metainfo.get('classes') or [])
    return names + [str(i) for i in range(len(names), num)]


def _counted_classes(sample, seg_label: str, ignore_index: int) -> List[int]:
    """The classes a data sample counts for (-1: no labelled pixel)."""
    if 'gt_sem_seg' not in sample:
        return [int(sample.gt_label.reshape(-1)[0])]
    label_map = sample.gt_sem_seg.data
    if seg_label != 'present':
        return [label_map_class(label_map, ignore_index, seg_label)]
    pixels = label_map.reshape(-1)
    return torch.unique(pixels[pixels != ignore_index]).tolist() or [-1]


class _SelectionTally:
    """Counts over the scored batches, by class, and the densities' spread.

    Args:
        seg_label (str): How a segmentation image counts; see
            :func:`analyze_selection`.
        ignore_index (int): Label of unlabelled pixels, left out.
    """

    def __init__(self, seg_label: str, ignore_index: int) -> None:
        self.seg_label = seg_label
        self.ignore_index = ignore_index
        self.seen: Dict[int, int] = {}
        self.dropped: Dict[int, int] = {}
        self.log_density_sd: List[float] = []
        self.density_ranked = 0
        self.total = 0

    def add_selection(self, samples: list, is_dropped: List[bool]) -> None:
        """Count a batch's samples, and those the selection dropped, for
        the classes they count for."""
        for sample, dropped in zip(samples, is_dropped):
            for c in _counted_classes(sample, self.seg_label,
                                      self.ignore_index):
                self.seen[c] = self.seen.get(c, 0) + 1
                self.dropped[c] = self.dropped.get(c, 0) + int(dropped)
        self.total += len(is_dropped)

    def add_densities(self, log_f: Tensor, random_bound: float) -> None:
        """Record the spread of a batch's log densities and how many of
        its density terms exceed the random term's bound."""
        self.log_density_sd.append(float(log_f.std(correction=0)))
        self.density_ranked += int(((log_f - log_f.max()).exp()
                                    > random_bound).sum())

    def report(self, cfg: Config, log_noise: float) -> SelectionReport:
        """The report, with the class names of ``cfg``'s train dataset."""
        ids = list(range(max(self.seen) + 1))
        names = _class_names(cfg, len(ids))
        if -1 in self.seen:  # segmentation images without a labelled pixel
            ids.append(-1)
            names.append('(no labelled pixel)')
        return SelectionReport(
            classes=names,
            seen=[self.seen.get(c, 0) for c in ids],
            dropped=[self.dropped.get(c, 0) for c in ids],
            log_density_sd=self.log_density_sd,
            density_ranked=None if log_noise > 0 else self.density_ranked /
            self.total)


def _pooled_features(model: nn.Module, batches: List[Batch]) -> List[Tensor]:
    """The pooled shallow features of each batch, as PFB scores them."""
    blocker = model.blocker
    return [
        pool_representation(
            blocker.splitter.forward_shallow(model.backbone, b.inputs).feature,
            blocker.estimator.feat_dim) for b in batches
    ]


def _fill_estimator(blocker: nn.Module, pooled: List[Tensor]) -> None:
    """Let an estimator that is not ready learn from batches until it
    is."""
    for x in pooled:
        if blocker.estimator.is_ready:
            break
        blocker.learn(x)


def _dropped_flags(model: nn.Module, batch: Batch, x: Tensor) -> List[bool]:
    """Per sample of ``batch``, whether PFB's selection drops it: the
    step's own kept count and selection, after which the estimator
    learns from the kept samples as in training."""
    blocker = model.blocker
    num = x.size(0)
    num_keep = blocker.draw_keep_count(
        num,
        blocker.kept_sample_modules(model.backbone,
                                    model.modules_after_block()))
    keep_index = blocker.select_and_learn(x, num_keep,
                                          model.sample_classes(
                                              batch.samples))[1]
    kept = set(range(num) if keep_index is None else keep_index)
    return [i not in kept for i in range(num)]


def analyze_selection(cfg: Config,
                      checkpoint: Optional[str] = None,
                      num_batches: int = 8,
                      batch_size: int = 0,
                      seg_label: str = 'dominant',
                      ignore_index: int = 255) -> SelectionReport:
    """Run PFB's scoring and selection on ``num_batches`` training batches
    of ``cfg`` (data preprocessor in training mode) without training.

    With a checkpoint, the model's weights and estimator are the trained
    ones; without one, or when its estimator is empty, the estimator is
    filled from the batches first. Each batch is then scored and
    selected as a training step would (its random kept count, mean
    ``(1 - p) N`` with the config's ``prune_ratio``, and its criterion),
    and the estimator learns from the kept samples.

    Args:
        cfg (Config): A config whose model has a ``pfb`` dict.
        checkpoint (str, optional): A checkpoint of that model.
            Defaults to None.
        num_batches (int): Batches to score. Defaults to 8.
        batch_size (int): Images per batch; 0 keeps the config's.
            Defaults to 0.
        seg_label (str): How a segmentation image counts: for the class
            with the most pixels in it (``'dominant'``), the class present
            with the fewest (``'rarest'``), or once for every class it
            has pixels of (``'present'``: a class's dropped share is that
            of the images that show it). Classification samples count
            for their ``gt_label``. Defaults to ``'dominant'``.
        ignore_index (int): Label of unlabelled pixels, left out.
            Defaults to 255.

    Returns:
        SelectionReport: Drops by class, the spread of the log densities
        and the share the density ranks.
    """
    check_int('num_batches', num_batches, 1)
    check_choice('seg_label', seg_label, SEG_LABEL_RULES)
    from mmpfb.utils import register_all_modules
    register_all_modules()
    model = build_model(cfg)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu')
    batches = real_batches(cfg, model, num_batches, batch_size,
                           torch.device('cpu'))
    estimator = model.blocker.estimator
    tally = _SelectionTally(seg_label, ignore_index)
    with torch.no_grad():
        pooled = _pooled_features(model, batches)
        _fill_estimator(model.blocker, pooled)
        for batch, x in zip(batches, pooled):
            # the densities the selection sees, before it learns
            tally.add_densities(
                estimator.log_density(x), estimator.random_bound)
            tally.add_selection(batch.samples, _dropped_flags(model, batch, x))
    return tally.report(cfg, estimator.log_noise)
