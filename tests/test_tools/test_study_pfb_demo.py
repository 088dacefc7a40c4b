# Copyright (c) mmpfb contributors. All rights reserved.
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mmpfb.utils import load_script

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' / \
    'study_pfb_demo.py'


def test_runs_cover_methods_ratios_and_seeds():
    study = load_script(str(TOOL))
    args = study.parse_args(['--ratios', '0.3', '0.7', '--seeds', '4', '5'])
    runs = study.planned_runs(args)
    assert [r.name for r in runs] == [
        'full_p0_s4', 'full_p0_s5', 'pfb_p0.3_s4', 'pfb_p0.3_s5',
        'pfb_p0.7_s4', 'pfb_p0.7_s5', 'random_p0.3_s4', 'random_p0.3_s5',
        'random_p0.7_s4', 'random_p0.7_s5'
    ]
    assert runs[0].cfg_options() == {'randomness.seed': 4}
    assert runs[-1].cfg_options() == {
        'randomness.seed': 5,
        'model.pfb.prune_ratio': 0.7,
        'model.pfb.criterion': 'random'
    }
    assert runs[2].cfg_options()['model.pfb.criterion'] == 'density'


@pytest.mark.parametrize('argv, message', [
    (['--ratios', '1.0'], '--ratios must lie in (0, 1), got 1.0'),
    (['--jobs', '0'], '--jobs must be >= 1, got 0'),
])
def test_bad_arguments_are_named(argv, message, capsys):
    with pytest.raises(SystemExit):
        load_script(str(TOOL)).parse_args(argv)
    assert message in capsys.readouterr().err


def test_summary_is_mean_and_sample_std():
    study = load_script(str(TOOL))
    results = [
        dict(
            method='pfb',
            ratio=0.5,
            seed=s,
            mIoU=m,
            sec_per_iter=t,
            **{
                'IoU.ring': r,
                'IoU.cross': c
            })
        for s, m, t, r, c in [(0, 70., .1, 60., 40.), (1, 74., .3, 64., 50.)]
    ]
    (row, ) = study.summarise(results, ['ring', 'cross'])
    assert row['mIoU'] == dict(mean=72.0, std=pytest.approx(8**0.5), n=2)
    assert row['rare_mIoU']['mean'] == pytest.approx((50 + 57) / 2)
    assert row['sec_per_iter']['mean'] == pytest.approx(0.2)
    table = study.format_table([row], ['ring', 'cross'])
    assert '| pfb | 50% | 72.00 ± 2.83 | 62.00 ± 2.83 | 45.00 ± 7.07 |' \
        in table[-1]


def test_study_runs_trains_and_writes(tmp_path):
    pytest.importorskip('mmseg')
    work = tmp_path / 'study'
    command = [
        sys.executable,
        str(TOOL), '--ratios', '0.5', '--seeds', '0', '1', '--jobs', '2',
        '--work-dir',
        str(work), '--data-root',
        str(tmp_path / 'data'), '--cfg-options', 'train_cfg.max_iters=2'
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '| random | 50% |' in result.stdout
    data = json.loads((work / 'study.json').read_text())
    assert sorted((r['method'], r['seed']) for r in data['runs']) == [
        (m, s) for m in ('full', 'pfb', 'random') for s in (0, 1)
    ]
    assert all(0 <= r['mIoU'] <= 100 for r in data['runs'])
    assert (work / 'study.png').stat().st_size > 0
    # each run trained with its own settings
    dumped = (
        work / 'random_p0.5_s1' / 'pfb' /
        'deeplabv3_r18-d8_pfb-p50_1xb8-2k_demo-voc-64x64.py').read_text()
    assert "criterion='random'" in dumped and 'seed=1' in dumped
    assert 'max_iters=2' in dumped
    # a second call reuses the results instead of training again
    log = work / 'pfb_p0.5_s0' / 'study_run.log'
    before = log.stat().st_mtime_ns
    rerun = subprocess.run(
        command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert log.stat().st_mtime_ns == before
    assert rerun.stdout.count('| pfb | 50% |') == 1
