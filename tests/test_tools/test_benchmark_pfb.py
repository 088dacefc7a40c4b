# Copyright (c) mmpfb contributors. All rights reserved.
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'analysis_tools' / 'benchmark_pfb.py'
QUICK = ('--warmup', '0', '--repeat', '1', '--no-memory')


def run_tool(config, out, *args, timeout=300):
    result = subprocess.run(
        [sys.executable,
         str(TOOL),
         str(config), '--out-dir',
         str(out), *args],
        capture_output=True,
        text=True,
        timeout=timeout)
    return result


def seg_config(path, pfb=True):
    pytest.importorskip('mmseg')
    from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg
    model = tiny_segmentor_cfg(
        pfb=dict(block_stage=3, num_centroids=4) if pfb else None)
    Config(dict(model=model, default_scope='mmseg')).dump(str(path))
    return path


def test_writes_table_json_and_plot(tmp_path):
    cfg = seg_config(tmp_path / 'tiny_pfb.py')
    result = run_tool(cfg, tmp_path / 'out', '--crop', '32', '32',
                      '--batch-size', '4', '--ratios', '0.25', '0.5', *QUICK)
    assert result.returncode == 0, result.stderr[-3000:]
    # auto times both modes, one iteration after the other, before the
    # rounds, and reports the mode it measured faster
    for ratio in ('0.25', '0.50'):
        assert re.search(rf'\| {ratio} \| auto \((reuse|recompute)\) \|',
                         result.stdout), result.stdout
    data = json.loads((tmp_path / 'out' / 'benchmark_pfb.json').read_text())
    assert [(r['ratio'], r['mode']) for r in data['rows']] == [
        (p, m) for p in (0.25, 0.5) for m in ('reuse', 'recompute', 'auto')
    ]
    for row in data['rows']:
        assert row['seconds'] > 0 and row['mean_keep'] < 4
        assert row['ideal_seconds'] <= row['achievable_seconds']
        assert row['spread'] == 0  # a single round has no spread
        if row['mode'] == 'auto':
            medians = row['auto_medians']
            assert set(medians) == {'reuse', 'recompute'}
            assert row['resolved_mode'] == min(medians, key=medians.get)
    assert data['input_shape'] == [3, 32, 32]
    assert 'benchmark_pfb.py' in data['command']
    assert (tmp_path / 'out' / 'benchmark_pfb.png').stat().st_size > 0


def test_one_channel_model_takes_its_shape_from_the_config(tmp_path):
    # Regression: a one-channel ResNet_CIFAR (Fashion-MNIST-like) crashed
    # on a three-channel synthetic batch
    pytest.importorskip('mmpretrain')
    from mmpfb.experiments.testing.classification import tiny_classifier_cfg
    model = tiny_classifier_cfg(pfb=dict(block_stage=1, num_centroids=4))
    model['backbone']['in_channels'] = 1
    model['data_preprocessor'].update(mean=[72.9], std=[90.0], to_rgb=False)
    pipeline = [
        dict(type='RandomCrop', crop_size=28, padding=2),
        dict(type='PackInputs')
    ]
    cfg = tmp_path / 'one_channel.py'
    Config(
        dict(
            model=model,
            default_scope='mmpretrain',
            train_dataloader=dict(
                batch_size=4,
                dataset=dict(type='X', pipeline=pipeline)))).dump(str(cfg))
    result = run_tool(cfg, tmp_path, '--ratios', '0.5', '--modes', 'reuse',
                      *QUICK)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / 'benchmark_pfb.json').read_text())
    assert data['input_shape'] == [1, 28, 28]
    assert data['data'] == 'synthetic' and data['batch_size'] == 10


def test_times_real_batches_of_the_train_dataloader(tmp_path):
    pytest.importorskip('mmpretrain')
    from mmpfb.experiments.datasets.demo_shapes import generate_demo_shapes
    root = tmp_path / 'shapes'
    generate_demo_shapes(str(root), num_train=10, num_val=5)
    cfg = REPO / 'configs' / 'demo' / \
        'resnet18_pfb-p50_1xb32-10e_demo-shapes-32px.py'
    result = run_tool(cfg, tmp_path, '--real-data', '2', '--batch-size', '4',
                      '--ratios', '0.5', '--modes', 'recompute',
                      '--cfg-options',
                      f'train_dataloader.dataset.data_root={root}', *QUICK)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / 'benchmark_pfb.json').read_text())
    assert data['data'] == '2 real batches'
    assert data['batch_size'] == 4 and data['input_shape'] == [3, 32, 32]
    assert data['rows'][0]['mean_keep'] == 2


def test_reports_peak_memory(tmp_path):
    cfg = seg_config(tmp_path / 'tiny_pfb.py')
    result = run_tool(cfg, tmp_path, '--crop', '64', '64', '--batch-size', '4',
                      '--ratios', '0.5', '--modes', 'recompute', '--warmup',
                      '0', '--repeat', '1')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'memory saved MiB' in result.stdout
    data = json.loads((tmp_path / 'benchmark_pfb.json').read_text())
    row = data['rows'][0]
    assert data['full_peak_mib'] > 0 and row['memory_keep_num'] == 2
    # recompute: half of all activations are expected to go
    assert row['expected_memory_saving_mib'] == pytest.approx(
        0.5 * data['activations_mib'])


def test_config_inheriting_host_files(tmp_path):
    # the model of a config built on mmseg::_base_ files carries _scope_
    pytest.importorskip('mmseg')
    cfg = REPO / 'configs' / 'pfb' / \
        'deeplabv3_r50-d8_pfb-p70_4xb4-36k_voc12aug-512x512.py'
    result = run_tool(
        cfg,
        tmp_path,
        '--crop',
        '32',
        '32',
        '--batch-size',
        '4',
        '--ratios',
        '0.5',
        '--warmup',
        '0',
        '--repeat',
        '2',
        '--no-memory',
        timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / 'benchmark_pfb.json').read_text())
    assert data['repeat'] == 2 and data['threads'] >= 1
    assert [r['mean_keep'] for r in data['rows']] == [2.0, 2.0, 2.0]


@pytest.mark.parametrize('args,message', [
    ((), 'has no model.pfb'),
    (('--ratios', '1.5'), 'ratios must be in (0, 1), but got (1.5,)'),
    (('--modes', 'fast'), "but got ('fast',)"),
    (('--amp', ), "amp=True needs device='cuda'"),
])
def test_bad_input_is_refused_with_a_clear_message(tmp_path, args, message):
    cfg = seg_config(tmp_path / 'cfg.py', pfb=bool(args))
    result = run_tool(cfg, tmp_path, *args)
    assert result.returncode != 0
    assert message in result.stderr
