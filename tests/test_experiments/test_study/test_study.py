# Copyright (c) mmpfb contributors. All rights reserved.
import json
import os
import os.path as osp
from pathlib import Path

import pytest

from mmpfb.experiments.study import (METHODS, StudyConfig, StudySpec,
                                     load_study_spec, run_study)
from mmpfb.experiments.study import study as study_module

SPECS = Path(__file__).resolve().parents[3] / 'configs' / 'studies'

PREPARED = []
# training seconds of the fake runs: full 100 s, PFB 60 s at p=0.5
SECONDS = {'full': 100.0, 'pfb': 60.0}


def record_prepare(data_root):
    PREPARED.append(data_root)


def make_spec(tmp_path) -> StudySpec:
    config = StudyConfig(
        'set_a',
        dict(full='/c/full.py', pfb='/c/pfb.py'),
        data_root=str(tmp_path / 'data'),
        prepare=f'{__name__}.record_prepare',
        tta=True,
        time_match_unit='iter')
    methods = tuple(METHODS[m] for m in ('full', 'pfb', 'full_time_matched'))
    return StudySpec('tiny', (config, ), methods, (0.5, ), (0, 1),
                     {'train_cfg.max_iters': 2000})


class FakeLaunch:
    """Stands in for the run's process: records the job, writes a result
    with the training time of :data:`SECONDS` (or fails)."""

    def __init__(self, fail=()):
        self.jobs = []
        self.fail = fail

    def __call__(self, job):
        self.jobs.append(job)
        run = job['run']
        if run['method'] in self.fail:
            return 1
        length = round(2000 * (job['time_ratio'] or 1))
        seconds = SECONDS.get(run['method'], 0.05 * length)
        result = dict(
            run,
            sec_per_iter=seconds / length,
            train_seconds=seconds,
            keep_ratio=0.5 if run['method'] == 'pfb' else 1.0,
            schedule=dict(unit='iter', length=length),
            score_key='mIoU',
            score_label='mIoU',
            class_prefix='IoU',
            tta=job['tta'],
            mIoU=50.0 + run['seed'],
            **{'IoU.ring': 40.0})
        os.makedirs(osp.dirname(job['result_file']), exist_ok=True)
        with open(job['result_file'], 'w') as f:
            json.dump(result, f)
        return 0


def test_runs_jobs_time_matching_and_resumption(tmp_path, monkeypatch, capsys):
    launch = FakeLaunch()
    monkeypatch.setattr('mmpfb.experiments.study.study.launch', launch)
    PREPARED.clear()
    spec = make_spec(tmp_path)
    rows, paths = run_study(spec, str(tmp_path / 'work'), jobs=2, threads=3)
    assert PREPARED == [str(tmp_path / 'data')]
    names = [f'{j["run"]["method"]}_s{j["run"]["seed"]}' for j in launch.jobs]
    # the time-matched runs start after the runs they are matched to
    assert sorted(names[:4]) == ['full_s0', 'full_s1', 'pfb_s0', 'pfb_s1']
    assert sorted(
        names[4:]) == ['full_time_matched_s0', 'full_time_matched_s1']
    by_name = dict(zip(names, launch.jobs))
    pfb = by_name['pfb_s1']
    assert pfb['config_file'] == '/c/pfb.py'
    assert pfb['cfg_options'] == {
        'train_cfg.max_iters': 2000,
        'model.pfb.criterion': 'density',
        'model.pfb.prune_ratio': 0.5,
        'randomness.seed': 1
    }
    assert pfb['tta'] and pfb['threads'] == 3
    assert pfb['data_root'] == str(tmp_path / 'data')
    assert pfb['work_dir'] == str(tmp_path / 'work' / 'set_a' / 'pfb_p0.5_s1')
    assert pfb['result_file'] == str(tmp_path / 'work' / 'results' / 'set_a' /
                                     'pfb_p0.5_s1.json')
    assert pfb['time_ratio'] is None and pfb['time_match_unit'] is None
    matched = by_name['full_time_matched_s0']
    assert matched['config_file'] == '/c/full.py'
    assert matched['time_ratio'] == 0.6  # 60 s / 100 s
    assert matched['time_match_unit'] == 'iter'
    assert [r['method'] for r in rows] == ['full', 'pfb', 'full_time_matched']
    assert rows[2]['schedule'] == dict(unit='iter', lengths=[1200])
    assert osp.isfile(paths['md'])
    assert '6/6' in capsys.readouterr().out  # the progress bar

    # a second call trains nothing and summarises the same results
    launch.jobs.clear()
    again, _ = run_study(spec, str(tmp_path / 'work'))
    assert launch.jobs == [] and again == rows


def test_summary_only_trains_nothing(tmp_path, monkeypatch):
    launch = FakeLaunch()
    monkeypatch.setattr('mmpfb.experiments.study.study.launch', launch)
    spec = make_spec(tmp_path)
    # one piece: full data only
    run_study(spec._replace(methods=spec.methods[:1]), str(tmp_path))
    launch.jobs.clear()
    PREPARED.clear()
    rows, _ = run_study(spec, str(tmp_path), train=False)
    assert launch.jobs == [] and PREPARED == []
    assert [r['method'] for r in rows] == ['full']


def test_failed_runs_are_named_and_the_rest_summarised(tmp_path, monkeypatch):
    monkeypatch.setattr('mmpfb.experiments.study.study.launch',
                        FakeLaunch(fail=('pfb', )))
    spec = make_spec(tmp_path)
    with pytest.raises(RuntimeError) as error:
        run_study(spec, str(tmp_path / 'work'), str(tmp_path / 'results'))
    message = str(error.value)
    assert message.startswith('4 run(s) failed')
    assert 'set_a/pfb_p0.5_s0 (see ' + str(
        tmp_path / 'work' / 'set_a' / 'pfb_p0.5_s0' /
        'study_run.log') in message
    assert 'set_a/full_time_matched_p0.5_s1 (the runs it is time-matched ' \
        'to did not all finish)' in message
    summary = json.loads((tmp_path / 'results' / 'summary.json').read_text())
    assert [r['method'] for r in summary['runs']] == ['full', 'full']


def test_measured_time_ratio_needs_only_the_base_runs(tmp_path, monkeypatch):
    launch = FakeLaunch(fail=('pfb', ))
    monkeypatch.setattr('mmpfb.experiments.study.study.launch', launch)
    spec = make_spec(tmp_path)
    spec = spec._replace(
        configs=(spec.configs[0]._replace(
            time_ratios=dict(pfb={0.5: 0.45}, other={0.5: 0.9})), ))
    with pytest.raises(RuntimeError, match='^2 run'):  # the PFB runs
        run_study(spec, str(tmp_path / 'work'))
    matched = [
        job for job in launch.jobs
        if job['run']['method'] == 'full_time_matched'
    ]
    assert [job['time_ratio'] for job in matched] == [0.45, 0.45]


@pytest.mark.parametrize('name', ['jobs', 'threads'])
def test_bad_parallelism_is_named(tmp_path, name):
    with pytest.raises(
            ValueError, match=f'{name} must be an int >= 1, but got 0'):
        run_study(make_spec(tmp_path), str(tmp_path), **{name: 0})


def tiny_study(tmp_path, spec_file, overrides, monkeypatch):
    """Run a shipped spec for real, one process per run, twice; return the
    summary rows, the results folder and the number of launches."""
    spec = load_study_spec(str(SPECS / spec_file), overrides)
    spec = spec._replace(
        configs=tuple(
            c._replace(data_root=str(tmp_path / 'data'))
            for c in spec.configs))
    launched = []

    def counting_launch(job):
        launched.append(job['run'])
        return study_module.launch.__wrapped__(job)

    counting_launch.__wrapped__ = study_module.launch
    monkeypatch.setattr(study_module, 'launch', counting_launch)
    results = tmp_path / 'results'
    rows, _ = run_study(spec, str(tmp_path / 'work'), str(results), jobs=2)
    count = len(launched)
    again, _ = run_study(spec, str(tmp_path / 'work'), str(results), jobs=2)
    # resumed, not rerun (compared as JSON: NaN is a class absent from
    # the two test images)
    assert json.dumps(again) == json.dumps(rows) and len(launched) == count
    return rows, results, count


def test_tiny_segmentation_study(tmp_path, monkeypatch):
    pytest.importorskip('mmseg')
    rows, results, launched = tiny_study(
        tmp_path, 'pfb_demo_voc.yaml',
        dict(
            methods=['full', 'pfb', 'full_time_matched'],
            ratios=[0.5],
            seeds=[1],
            cfg_options={
                'train_cfg.max_iters': 2,
                'val_dataloader.dataset.indices': 2,
                'test_dataloader.dataset.indices': 2
            }), monkeypatch)
    assert launched == 3
    assert [(r['method'], r['ratio'])
            for r in rows] == [('full', 0.0), ('pfb', 0.5),
                               ('full_time_matched', 0.5)]
    runs = {
        m: json.loads((results / 'demo_voc' / f'{m}_s1.json').read_text())
        for m in ('full_p0', 'pfb_p0.5', 'full_time_matched_p0.5')
    }
    for run in runs.values():
        assert 0 <= run['mIoU'] <= 100 and 'IoU.cross' in run
        assert run['tta'] and run['train_seconds'] > 0
    assert runs['full_p0']['keep_ratio'] == 1.0
    expected = max(
        1,
        int(2 * runs['pfb_p0.5']['train_seconds'] /
            runs['full_p0']['train_seconds'] + 0.5))
    assert runs['full_time_matched_p0.5']['schedule'] == dict(
        unit='iter', length=expected, iters=expected)
    # each run trained with its own settings, and was tested with TTA
    work = tmp_path / 'work' / 'demo_voc' / 'pfb_p0.5_s1'
    dumped = next(work.glob('*/vis_data/config.py')).read_text()
    assert "criterion='density'" in dumped and 'seed=1' in dumped
    assert 'max_iters=2' in dumped and 'prune_ratio=0.5' in dumped
    assert (work / 'tta').is_dir()
    assert (results / 'summary.png').stat().st_size > 0


def test_tiny_classification_study(tmp_path, monkeypatch):
    pytest.importorskip('mmpretrain')
    rows, results, launched = tiny_study(
        tmp_path, 'pfb_demo_shapes.yaml',
        dict(
            methods=['pfb'],
            ratios=[0.5],
            seeds=[0],
            cfg_options={
                'train_cfg.max_epochs': 1,
                'train_dataloader.dataset.indices': 64,
                'val_dataloader.dataset.indices': 10,
                'test_dataloader.dataset.indices': 10
            }), monkeypatch)
    assert launched == 1
    (pfb, ) = rows
    assert pfb['score_key'] == 'accuracy/top1'
    assert sorted(
        pfb['classes']) == ['cross', 'disc', 'ring', 'square', 'triangle']
    result = json.loads(
        (results / 'demo_shapes' / 'pfb_p0.5_s0.json').read_text())
    # 64 images in batches of 32: one epoch of two iterations
    assert result['schedule'] == dict(unit='epoch', length=1, iters=2)
    assert 0 <= result['accuracy/top1'] <= 100 and not result['tta']
    assert 'acc.ring' in result
