# Copyright (c) mmpfb contributors. All rights reserved.
"""Run a study: every run in its own process, resumable, with progress.

Runs go to ``<work_dir>/<config>/<run>/`` (logs and checkpoints) and
their results to ``<results_dir>/<config>/<run>.json``; a run whose
result file exists is not trained again, so a study can be interrupted,
resumed, or run in pieces whose small result files are committed. The
time-matched runs start once the runs they are matched to have finished.
A progress bar counts the runs trained and estimates the time left.
"""
import json
import os.path as osp
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pkgutil import resolve_name
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from mmpfb.utils.arg_checks import check_int
from .job import LOG_FILE, launch, make_job
from .plan import Run, plan_runs, run_cfg_options
from .schedule import measured_time_ratio
from .spec import StudySpec
from .summary import write_summary


class StudyFolders:
    """Where a study's runs work and where their results go.

    Args:
        work_dir (str): Logs and checkpoints of every run.
        results_dir (str, optional): Result files and the summary; None:
            ``<work_dir>/results``. Defaults to None.
    """

    def __init__(self, work_dir: str, results_dir: Optional[str] = None):
        self.work_dir = osp.abspath(work_dir)
        self.results_dir = osp.abspath(
            results_dir or osp.join(work_dir, 'results'))

    def run_dir(self, run: Run) -> str:
        """The run's work directory."""
        return osp.join(self.work_dir, run.config, run.name)

    def result_file(self, run: Run) -> str:
        """The run's result file."""
        return osp.join(self.results_dir, run.config, f'{run.name}.json')

    def load_result(self, run: Run) -> Optional[dict]:
        """The run's result, or None when it has not finished."""
        path = self.result_file(run)
        if not osp.isfile(path):
            return None
        with open(path) as f:
            return json.load(f)


def matched_time_ratios(spec: StudySpec, folders: StudyFolders,
                        runs: List[Run]) -> Dict[Run, float]:
    """The time ratio of each time-matched run in ``runs``.

    Args:
        spec (StudySpec): The study.
        folders (StudyFolders): Where the finished results are.
        runs (list[Run]): Time-matched runs.

    Returns:
        dict[Run, float]: The runs whose base and target runs (all the
        spec's seeds; the base's only where the config gives a measured
        time ratio) have finished, to the fraction of the base's
        training time they train (:mod:`mmpfb.experiments.study.schedule`).
    """
    ratios = {}
    for run in runs:
        base, target = spec.method(run.method).time_matched
        base_results = [
            folders.load_result(Run(run.config, base, 0.0, seed))
            for seed in spec.seeds
        ]
        if None in base_results:
            continue
        measured = spec.config(run.config).time_ratios.get(target,
                                                           {}).get(run.ratio)
        if measured is not None:
            ratios[run] = measured
            continue
        target_results = [
            folders.load_result(Run(run.config, target, run.ratio, seed))
            for seed in spec.seeds
        ]
        if None in target_results:
            continue
        ratios[run] = measured_time_ratio(
            [r['train_seconds'] for r in base_results],
            [r['train_seconds'] for r in target_results])
    return ratios


def run_job(spec: StudySpec,
            folders: StudyFolders,
            run: Run,
            threads: int,
            time_ratio: Optional[float] = None) -> dict:
    """The job of ``run``.

    Args:
        spec (StudySpec): The study.
        folders (StudyFolders): Its folders.
        run (Run): One of its runs.
        threads (int): Torch CPU threads of the run.
        time_ratio (float, optional): The fraction of the base's training
            time a time-matched run trains. Defaults to None.

    Returns:
        dict: See :func:`~mmpfb.experiments.study.job.make_job`.
    """
    config = spec.config(run.config)
    return make_job(
        run,
        config.files[spec.method(run.method).variant],
        run_cfg_options(spec, run),
        folders.run_dir(run),
        folders.result_file(run),
        data_root=config.data_root,
        tta=config.tta,
        threads=threads,
        time_ratio=time_ratio,
        time_match_unit=config.time_match_unit if time_ratio else None)


def launch_all(jobs_to_run: List[dict], jobs: int,
               bar: ProgressBar) -> List[str]:
    """Launch each job in its own process, ``jobs`` at a time.

    Args:
        jobs_to_run (list[dict]): From :func:`run_job`.
        jobs (int): Processes side by side.
        bar (ProgressBar): Counts each finished job.

    Returns:
        list[str]: The failed runs, each with its log file.
    """
    failed = []
    with ThreadPoolExecutor(jobs) as pool:
        futures = {pool.submit(launch, job): job for job in jobs_to_run}
        for future in as_completed(futures):
            if future.result() != 0:
                job = futures[future]
                run = Run(**job['run'])
                log = osp.join(job['work_dir'], LOG_FILE)
                failed.append(f'{run.config}/{run.name} (see {log})')
            bar.update()
    return failed


def run_study(spec: StudySpec,
              work_dir: Optional[str] = None,
              results_dir: Optional[str] = None,
              jobs: int = 1,
              threads: int = 1,
              train: bool = True) -> Tuple[List[dict], Dict[str, str]]:
    """Train and test every unfinished run, then write the summary.

    Args:
        spec (StudySpec): The study.
        work_dir (str, optional): Logs and checkpoints; None:
            ``work_dirs/<spec name>``. Defaults to None.
        results_dir (str, optional): Result files and the summary; None:
            ``<work_dir>/results``. Defaults to None.
        jobs (int): Runs trained side by side. Defaults to 1.
        threads (int): Torch CPU threads per run. Defaults to 1.
        train (bool): False trains nothing and summarises the finished
            runs (e.g. after a study was run in pieces). Defaults to True.

    Returns:
        tuple[list[dict], dict[str, str]]: The summary rows (see
        :func:`~mmpfb.experiments.study.summary.summarise`) and the summary
        files.
    """
    check_int('jobs', jobs, 1)
    check_int('threads', threads, 1)
    folders = StudyFolders(
        work_dir or osp.join('work_dirs', spec.name), results_dir)
    runs = plan_runs(spec)
    todo = [r for r in runs if folders.load_result(r) is None]
    if not train:
        todo = []
    for config in spec.configs:
        if config.prepare is not None and todo:
            resolve_name(config.prepare)(config.data_root)
    print_log(
        f'study {spec.name}: {len(runs)} runs, {len(runs) - len(todo)} '
        f'finished before, {len(todo)} to train, {jobs} at a time; '
        f'results in {folders.results_dir}',
        logger='current')
    failed: List[str] = []
    if todo:
        bar = ProgressBar(len(todo), file=sys.stdout)
        matched = [r for r in todo if spec.method(r.method).time_matched]
        first = [
            run_job(spec, folders, r, threads) for r in todo
            if r not in matched
        ]
        failed += launch_all(first, jobs, bar)
        ratios = matched_time_ratios(spec, folders, matched)
        for run in matched:
            if run not in ratios:
                failed.append(f'{run.config}/{run.name} (the runs it is '
                              'time-matched to did not all finish)')
                bar.update()
        second = [
            run_job(spec, folders, r, threads, ratios[r]) for r in matched
            if r in ratios
        ]
        failed += launch_all(second, jobs, bar)
        sys.stdout.write('\n')
    results = [
        r for r in (folders.load_result(run) for run in runs) if r is not None
    ]
    rows, paths = write_summary(spec, results, folders.results_dir)
    if failed:
        raise RuntimeError(f'{len(failed)} run(s) failed: ' +
                           '; '.join(failed) + '. The summary holds the '
                           'others; rerun the study to retry the failed.')
    return rows, paths
