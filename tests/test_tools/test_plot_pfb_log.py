# Copyright (c) mmpfb contributors. All rights reserved.
import json
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' / \
    'plot_pfb_log.py'


def run_tool(*args):
    return subprocess.run(
        [sys.executable, str(TOOL), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120)


def test_plots_an_mmengine_json_log(tmp_path):
    log = tmp_path / 'scalars.json'
    rows = [
        dict(
            iter=i,
            step=i,
            loss=1.0,
            pfb_keep_ratio=0.5,
            pfb_prune_ratio=0.5,
            pfb_score_time=0.001,
            pfb_num_filled=4.0,
            pfb_effective_centroids=3.5,
            pfb_bandwidth=0.2) for i in range(1, 6)
    ] + [dict(mIoU=40.0, step=5)]
    log.write_text('\n'.join(json.dumps(r) for r in rows))
    result = run_tool(log, '--out', tmp_path / 'plot.png')
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'plot.png').stat().st_size > 0


def test_log_without_pfb_statistics_is_refused(tmp_path):
    log = tmp_path / 'scalars.json'
    log.write_text(json.dumps(dict(iter=1, loss=1.0)))
    result = run_tool(log)
    assert result.returncode != 0
    assert 'no PFB statistics' in result.stderr


def test_plots_the_keep_rate_per_class(tmp_path):
    log = tmp_path / 'scalars.json'
    rows = [
        dict(iter=i, pfb_keep_ratio=0.5, pfb_prune_ratio=0.5)
        for i in range(1, 5)
    ]
    # PFBClassKeepHook logs every N iterations, rare classes not always
    rows[1].update({'pfb_keep_rate.cat': 0.3, 'pfb_keep_rate.yak': 0.9})
    rows[3].update({'pfb_keep_rate.cat': 0.4})
    log.write_text('\n'.join(json.dumps(r) for r in rows))
    result = run_tool(log, '--out', tmp_path / 'plot.png')
    assert result.returncode == 0, result.stderr
    assert (tmp_path / 'plot.png').stat().st_size > 0
