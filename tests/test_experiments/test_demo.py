# Copyright (c) mmpfb contributors. All rights reserved.
from pathlib import Path

import pytest

from mmpfb.experiments.demo import (DEMO_TASKS, demo_config, format_demo_table,
                                    run_demo)


def test_table_from_hand_values():
    results = dict(
        pfb={
            'mIoU': 83.4,
            'IoU.ring': 79.5,
            'sec_per_iter': 0.056
        },
        full={
            'mIoU': 84.58,
            'IoU.ring': 83.21,
            'sec_per_iter': 0.07
        },
        total=dict(seconds=330.0))
    assert format_demo_table('seg', results) == [
        'mmpfb demo: ' + DEMO_TASKS['seg'].title,
        ' ' * 22 + '  PFB (50% pruned)   full data',
        'mIoU (TTA)                         83.40       84.58',
        's / iteration                      0.056       0.070',
        'IoU ring                           79.50       83.21',
        'time per iteration saved by PFB: 20.0%; whole demo: 5.5 min',
    ]


def test_unknown_task_is_named():
    with pytest.raises(ValueError, match="task must be one of .* got 'det'"):
        run_demo('det')


def test_demo_config_takes_the_run_settings(tmp_path):
    pytest.importorskip('mmseg')
    cfg = demo_config('seg', 'pfb', str(tmp_path), '/data/voc',
                      {'randomness.seed': 3})
    assert cfg.work_dir == str(tmp_path / 'pfb')
    assert cfg.randomness.seed == 3 and cfg.model.pfb.prune_ratio == 0.5
    for loader in ('train', 'val', 'test'):
        assert cfg[f'{loader}_dataloader'].dataset.data_root == '/data/voc'


def test_tiny_classification_demo_is_quiet(tmp_path, capsys):
    pytest.importorskip('mmpretrain')
    results = run_demo(
        'cls',
        str(tmp_path / 'work'),
        str(tmp_path / 'data'),
        cfg_options={
            'train_cfg.max_epochs': 1,
            'train_dataloader.dataset.indices': 64,
            'val_dataloader.dataset.indices': 10,
            'test_dataloader.dataset.indices': 10
        })
    out = capsys.readouterr().out
    for name in ('pfb', 'full'):
        assert f'train {name}: 2 iterations\n' in out
        assert f'test {name}: 1 batches\n' in out
        assert 0 <= results[name]['accuracy/top1'] <= 100
        assert set(f'acc.{c}' for c in ('cross', 'disc', 'ring', 'square',
                                        'triangle')) <= set(results[name])
        # the full log is in the work directory, not on the console
        (log, ) = Path(tmp_path, 'work', name).glob('2*/2*.log')
        assert 'Epoch(train) [1][2/2]' in log.read_text()
    assert 'Epoch(train)' not in out and 'Config:' not in out
    assert len(out.split('\n')) < 15  # one screen
    table = format_demo_table('cls', results)
    assert table[2].startswith('top-1 accuracy')
    assert len(table) == 10  # title, header, score, time, 5 classes, saved
