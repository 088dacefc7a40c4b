# Copyright (c) mmpfb contributors. All rights reserved.
"""Train a config and test its last checkpoint, quietly or verbosely.

The demo and every run of a study go through these two functions, so
they train, time and evaluate the same way.
"""
import copy
import os.path as osp
from typing import Dict, Optional

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from mmpfb.utils import register_all_modules
from .evaluation import add_per_class_metrics, host_task, name_per_class_scores
from .progress_bar_hook import ProgressBarHook
from .quiet_runner import QuietRunner

KEEP_RATIO = 'train/pfb_keep_ratio'
INFOBATCH_SAVED = 'train/infobatch_saved'
DATA_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point the dataset of every data loader of ``cfg`` at ``data_root``.

    Args:
        cfg (Config): The config to change in place.
        data_root (str): The data root.
    """
    for loader in DATA_LOADERS:
        cfg[loader].dataset.data_root = data_root


def build_runner(cfg: Config,
                 label: Optional[str] = None,
                 verbose: bool = False) -> Runner:
    """A runner that logs to the console, or a quiet one with a bar;
    mmpfb's parts are registered and checkpoints load safely (see
    :func:`~mmpfb.utils.register_all_modules`).

    Args:
        cfg (Config): The config.
        label (str, optional): Names the run on the progress bar; None:
            the config's file name. Defaults to None.
        verbose (bool): Show MMEngine's full log on the console instead
            of a progress bar. Defaults to False.

    Returns:
        Runner: :class:`~mmengine.runner.Runner` when verbose, else a
        :class:`~mmpfb.experiments.quiet_runner.QuietRunner` with a
        :class:`~mmpfb.experiments.progress_bar_hook.ProgressBarHook`.
    """
    register_all_modules()
    if verbose:
        return Runner.from_cfg(cfg)
    runner = QuietRunner.from_cfg(cfg)
    if label is None:
        label = osp.splitext(osp.basename(cfg.filename))[0]
    runner.register_hook(ProgressBarHook(label))
    return runner


def train(cfg: Config,
          label: Optional[str] = None,
          verbose: bool = False) -> Dict[str, float]:
    """Train ``cfg`` and measure the training.

    Args:
        cfg (Config): The config, with its ``work_dir`` set.
        label (str, optional): See :func:`build_runner`. Defaults to None.
        verbose (bool): See :func:`build_runner`. Defaults to False.

    Returns:
        dict[str, float]: ``sec_per_iter``, the median time of a training
        iteration (data loading included), ``train_seconds``, the sum of
        those times (what PFB saves; evaluation, checkpointing and
        start-up are not in it), and ``keep_ratio``, the mean fraction of
        each batch that went through the part after the block; for an
        InfoBatch run (``InfoBatchHook`` logs ``infobatch_saved``), the
        fraction of the full-data samples it trained, one minus the final
        saved fraction; else 1.0.
    """
    runner = build_runner(cfg, label, verbose)
    runner.train()
    scalars = runner.message_hub.log_scalars
    times = scalars['train/time'].data[0]
    keep_ratio = 1.0
    if KEEP_RATIO in scalars:
        keep_ratio = float(scalars[KEEP_RATIO].mean())
    elif INFOBATCH_SAVED in scalars:
        keep_ratio = 1.0 - float(scalars[INFOBATCH_SAVED].current())
    return dict(
        sec_per_iter=float(np.median(times)),
        train_seconds=float(np.sum(times)),
        keep_ratio=keep_ratio)


def evaluate_last_checkpoint(cfg: Config,
                             label: Optional[str] = None,
                             tta: bool = False,
                             verbose: bool = False) -> Dict[str, float]:
    """Test the last checkpoint that training wrote to ``cfg.work_dir``.

    The results go to ``<work_dir>/tta`` (or ``<work_dir>/test``); the
    test evaluator also reports each class's score
    (:func:`~mmpfb.experiments.evaluation.add_per_class_metrics`).

    Args:
        cfg (Config): The training config; it is not changed.
        label (str, optional): See :func:`build_runner`. Defaults to None.
        tta (bool): Test with the config's ``tta_model`` and
            ``tta_pipeline`` (e.g. multi-scale + flip). Defaults to False.
        verbose (bool): See :func:`build_runner`. Defaults to False.

    Returns:
        dict[str, float]: The test metrics, per-class scores named
        ``<prefix>.<class>`` (see
        :data:`~mmpfb.experiments.evaluation.HOST_TASKS`).
    """
    cfg = copy.deepcopy(cfg)
    task = host_task(cfg)
    with open(osp.join(cfg.work_dir, 'last_checkpoint')) as f:
        cfg.load_from = f.read().strip()
    if tta:
        missing = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
        if missing:
            raise ValueError(f'tta=True needs {" and ".join(missing)} in '
                             f'the config {cfg.filename}')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    cfg.work_dir = osp.join(cfg.work_dir, 'tta' if tta else 'test')
    add_per_class_metrics(cfg)
    runner = build_runner(cfg, label, verbose)
    metrics = runner.test()
    classes = runner.test_dataloader.dataset.metainfo['classes']
    return name_per_class_scores(metrics, task, classes)
