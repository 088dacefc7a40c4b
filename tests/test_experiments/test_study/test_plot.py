# Copyright (c) mmpfb contributors. All rights reserved.
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from mmpfb.experiments.study.plot import _panel  # noqa: E402
from mmpfb.experiments.study.spec import parse_study_spec  # noqa: E402


def _row(method, ratio, keep, seconds, score):
    stat = lambda v: dict(mean=v, std=0.0, n=2)  # noqa: E731
    return dict(
        config='c',
        method=method,
        ratio=ratio,
        score_label='top-1 accuracy',
        score=stat(score),
        keep_ratio=stat(keep),
        train_seconds=stat(seconds),
        work_share=stat(keep * seconds / 200))


ROWS = dict(
    full=_row('full', 0.0, 1.0, 100., 88.0),
    full_time_matched=_row('full_time_matched', 0.3, 1.0, 70., 87.5),
    full_2x=_row('full_2x', 0.0, 1.0, 200., 88.1),
    pfb=_row('pfb', 0.3, 0.7, 72., 87.9))


@pytest.mark.parametrize('methods, expected', [
    (['full', 'full_time_matched', 'full_2x', 'pfb'], [(70., 87.5),
                                                       (100., 88.0),
                                                       (200., 88.1)]),
    (['full_2x', 'pfb', 'full'], [(100., 88.0), (200., 88.1)]),
    (['full', 'pfb'], None),
])
def test_full_data_runs_are_joined_in_the_order_of_their_cost(
        tmp_path, methods, expected):
    for name in ('a.py', 'b.py'):
        (tmp_path / name).write_text('')
    raw = dict(
        configs=[dict(name='c', files=dict(full='a.py', pfb='b.py'))],
        methods=[
            'full', 'full_time_matched', 'pfb',
            dict(name='full_2x', variant='full')
        ],
        ratios=[0.3],
        seeds=[0])
    spec = parse_study_spec(raw, str(tmp_path), 's')
    fig, ax = plt.subplots()
    _panel(ax, spec, [ROWS[m] for m in methods], 'c', 'train_seconds')
    lines = [
        list(zip(line.get_xdata(), line.get_ydata()))
        for line in ax.get_lines() if line.get_label() == 'full data by budget'
    ]
    plt.close(fig)
    assert lines == ([] if expected is None else [expected])
