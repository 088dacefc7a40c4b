# Copyright (c) mmpfb contributors. All rights reserved.
"""A study run's job, and its launch in a process of its own.

The job (config file, options, folders) is written to ``run.json`` in
the run's work directory; ``python -m mmpfb.experiments.study.runner run.json``
trains and tests it (see :mod:`mmpfb.experiments.study.runner`), its output
going to ``study_run.log`` beside it.
"""
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Optional

import mmpfb
from .plan import Run

JOB_FILE = 'run.json'
LOG_FILE = 'study_run.log'


def make_job(run: Run,
             config_file: str,
             cfg_options: dict,
             work_dir: str,
             result_file: str,
             data_root: Optional[str] = None,
             tta: bool = False,
             threads: int = 1,
             time_ratio: Optional[float] = None,
             time_match_unit: Optional[str] = None) -> dict:
    """Everything the run's process needs, as a JSON-ready dict.

    Args:
        run (Run): The run.
        config_file (str): Its config.
        cfg_options (dict): Its overrides.
        work_dir (str): Its work directory.
        result_file (str): Where its result goes.
        data_root (str, optional): Data root of every data loader; None:
            the config's. Defaults to None.
        tta (bool): Test with test-time augmentation. Defaults to False.
        threads (int): Torch CPU threads. Defaults to 1.
        time_ratio (float, optional): The fraction of the base's training
            time a time-matched run trains; None trains the whole
            schedule. Defaults to None.
        time_match_unit (str, optional): ``'iter'`` shortens an
            epoch-based schedule in iterations (see
            :func:`~mmpfb.experiments.study.schedule.match_schedule`). Defaults
            to None.

    Returns:
        dict: The job.
    """
    return dict(
        run=run._asdict(),
        config_file=config_file,
        cfg_options=cfg_options,
        work_dir=work_dir,
        result_file=result_file,
        data_root=data_root,
        tta=tta,
        threads=threads,
        time_ratio=time_ratio,
        time_match_unit=time_match_unit)


def launch(job: dict) -> int:
    """Run ``job`` in a new Python process and wait for it.

    The process finds mmpfb where this process found it.

    Args:
        job (dict): From :func:`make_job`.

    Returns:
        int: The process's exit status.
    """
    os.makedirs(job['work_dir'], exist_ok=True)
    job_file = osp.join(job['work_dir'], JOB_FILE)
    with open(job_file, 'w') as f:
        json.dump(job, f, indent=2)
    env = dict(os.environ)
    root = osp.dirname(osp.dirname(osp.abspath(mmpfb.__file__)))
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (root, env.get('PYTHONPATH')) if p)
    command = [
        sys.executable, '-m', 'mmpfb.experiments.study.runner', job_file
    ]
    with open(osp.join(job['work_dir'], LOG_FILE), 'w') as log:
        return subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
