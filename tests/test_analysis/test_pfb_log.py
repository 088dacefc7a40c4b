# Copyright (c) mmpfb contributors. All rights reserved.
import json

import pytest

from mmpfb.analysis.pfb_log import (Series, class_keep_keys, load_pfb_log,
                                    log_series, pfb_log_panels)


def write_log(path, rows):
    path.write_text('\n'.join(json.dumps(r) for r in rows) + '\n\n')
    return str(path)


def test_only_training_rows_with_pfb_statistics_are_read(tmp_path):
    rows = [
        dict(iter=1, loss=1.0, pfb_keep_ratio=0.5),
        dict(mIoU=40.0, step=1),
        dict(iter=2, loss=0.9, pfb_keep_ratio=0.6),
    ]
    path = write_log(tmp_path / 'scalars.json', rows)
    assert load_pfb_log(path) == [rows[0], rows[2]]


def test_a_log_without_pfb_statistics_is_refused(tmp_path):
    path = write_log(tmp_path / 'scalars.json', [dict(iter=1, loss=1.0)])
    with pytest.raises(ValueError, match='holds no PFB statistics'):
        load_pfb_log(path)


def test_series_are_converted_to_what_the_panels_show():
    rows = [
        dict(iter=10, pfb_prune_ratio=0.25, pfb_score_time=0.002),
        dict(step=20, pfb_prune_ratio=0.5),
    ]
    assert log_series(rows, 'pfb_prune_ratio') == Series(
        '1 - pfb_prune_ratio (target)', (10, 20), (0.75, 0.5))
    assert log_series(rows, 'pfb_score_time',
                      'ms') == Series('pfb_score_time', (10, ), (2.0, ))
    assert log_series([{
        'iter': 3,
        'pfb_keep_rate.cat': 0.4
    }], 'pfb_keep_rate.cat') == Series('cat', (3, ), (0.4, ))
    assert log_series(rows, 'pfb_bandwidth') == Series('pfb_bandwidth', (), ())


def test_panels_of_a_log_with_class_keep_rates():
    rows = [
        dict(iter=1, pfb_keep_ratio=0.5, pfb_prune_ratio=0.5),
        dict(iter=2, pfb_keep_ratio=0.4, **{'pfb_keep_rate.yak': 0.9}),
        dict(
            iter=3,
            pfb_keep_ratio=0.5,
            **{
                'pfb_keep_rate.cat': 0.3,
                'pfb_keep_rate.yak': 0.8
            }),
    ]
    assert class_keep_keys(rows) == ['pfb_keep_rate.yak', 'pfb_keep_rate.cat']
    panels = pfb_log_panels(rows)
    assert [p.title for p in panels] == [
        'kept fraction', 'scoring time (ms)', 'centroid weights', 'bandwidth',
        'kept fraction per class'
    ]
    kept, scoring, _, _, per_class = panels
    assert kept.series == [
        Series('pfb_keep_ratio', (1, 2, 3), (0.5, 0.4, 0.5)),
        Series('1 - pfb_prune_ratio (target)', (1, ), (0.5, ))
    ]
    assert scoring.series == []  # not logged: an empty panel
    assert per_class.series == [
        Series('yak', (2, 3), (0.9, 0.8)),
        Series('cat', (3, ), (0.3, ))
    ]
    assert len(pfb_log_panels(rows[:1])) == 4  # no per-class panel
