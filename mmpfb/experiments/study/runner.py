# Copyright (c) mmpfb contributors. All rights reserved.
"""The process of one study run:
``python -m mmpfb.experiments.study.runner JOB``.

Started by :func:`mmpfb.experiments.study.job.launch` (and not imported by the
package, so that it runs as a fresh ``__main__``). It trains and tests
as the demo does (:mod:`mmpfb.experiments.train_and_test`) and writes the
result file, a small JSON: the run's fields, ``sec_per_iter``,
``train_seconds``, ``keep_ratio``, the ``schedule`` it trained (unit,
length and training iterations), how its
score is named, and its test metrics (per-class scores as
``<prefix>.<class>``). The file appears complete or not at all; a run
whose result file exists is finished.
"""
import json
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config

from ..evaluation import host_task
from ..train_and_test import evaluate_last_checkpoint, set_data_root, train
from .schedule import iterations_per_epoch, match_schedule, schedule_of


def train_and_test_job(job: dict) -> dict:
    """Train and test one run in this process.

    Args:
        job (dict): From :func:`mmpfb.experiments.study.job.make_job`.

    Returns:
        dict: The run's result (see the module's documentation).
    """
    torch.set_num_threads(job['threads'])
    cfg = Config.fromfile(job['config_file'])
    cfg.merge_from_dict(job['cfg_options'])
    if job['time_ratio'] is not None:
        match_schedule(cfg, job['time_ratio'], job['time_match_unit'])
    cfg.work_dir = job['work_dir']
    if job['data_root'] is not None:
        set_data_root(cfg, job['data_root'])
    unit, length = schedule_of(cfg)
    iters = length if unit == 'iter' else length * iterations_per_epoch(cfg)
    task = host_task(cfg)
    stats = train(cfg, verbose=True)
    metrics = evaluate_last_checkpoint(cfg, tta=job['tta'], verbose=True)
    return dict(
        job['run'],
        **stats,
        schedule=dict(unit=unit, length=length, iters=iters),
        score_key=task.score_key,
        score_label=task.score_label,
        class_prefix=task.class_prefix,
        tta=job['tta'],
        **metrics)


def main(argv=None) -> None:
    """Entry of the run's process: ``runner.py <run.json>``."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit(
            'usage: python -m mmpfb.experiments.study.runner RUN_JSON')
    with open(argv[0]) as f:
        job = json.load(f)
    result = train_and_test_job(job)
    os.makedirs(osp.dirname(job['result_file']), exist_ok=True)
    partial = job['result_file'] + '.part'
    with open(partial, 'w') as f:
        json.dump(result, f, indent=2)
    os.replace(partial, job['result_file'])  # complete or absent


if __name__ == '__main__':
    main()
