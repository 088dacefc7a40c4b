# Copyright (c) mmpfb contributors. All rights reserved.
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip('mmseg')

from mmengine.config import Config

from mmpfb.testing.segmentation import tiny_segmentor_cfg

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'analysis_tools' / 'benchmark_pfb.py'


def write_config(path, pfb=True):
    model = tiny_segmentor_cfg(
        pfb=dict(block_stage=3, num_centroids=4) if pfb else None)
    Config(dict(model=model, default_scope='mmseg')).dump(str(path))


def test_writes_table_json_and_plot(tmp_path):
    cfg = tmp_path / 'tiny_pfb.py'
    write_config(cfg)
    out = tmp_path / 'out'
    result = subprocess.run([
        sys.executable,
        str(TOOL),
        str(cfg), '--crop', '32', '32', '--batch-size', '4', '--ratios',
        '0.25', '0.5', '--warmup', '0', '--repeat', '1', '--out-dir',
        str(out)
    ],
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '| 0.50 | auto (recompute) |' in result.stdout
    assert '| 0.25 | auto (reuse) |' in result.stdout
    data = json.loads((out / 'benchmark_pfb.json').read_text())
    assert [(r['ratio'], r['mode']) for r in data['rows']] == [
        (p, m) for p in (0.25, 0.5) for m in ('reuse', 'recompute', 'auto')
    ]
    for row in data['rows']:
        assert row['seconds'] > 0 and row['mean_keep'] < 4
        assert row['ideal_seconds'] <= row['achievable_seconds']
        assert row['spread'] == 0  # a single round has no spread
    assert (out / 'benchmark_pfb.png').stat().st_size > 0


def test_config_inheriting_host_files(tmp_path):
    # the model of a config built on mmseg::_base_ files carries _scope_
    cfg = REPO / 'configs' / 'pfb' / \
        'deeplabv3_r50-d8_pfb-p70_4xb4-36k_voc12aug-512x512.py'
    result = subprocess.run([
        sys.executable,
        str(TOOL),
        str(cfg), '--crop', '32', '32', '--batch-size', '4', '--ratios', '0.5',
        '--warmup', '0', '--repeat', '2', '--out-dir',
        str(tmp_path)
    ],
                            capture_output=True,
                            text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / 'benchmark_pfb.json').read_text())
    assert data['repeat'] == 2 and data['threads'] >= 1
    assert [r['mean_keep'] for r in data['rows']] == [2.0, 2.0, 2.0]


def test_full_data_config_is_refused(tmp_path):
    cfg = tmp_path / 'tiny_full.py'
    write_config(cfg, pfb=False)
    result = subprocess.run(
        [sys.executable,
         str(TOOL),
         str(cfg), '--out-dir',
         str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300)
    assert result.returncode != 0
    assert 'has no model.pfb' in result.stderr
