# Copyright (c) mmpfb contributors. All rights reserved.
import json

import pytest

from mmpfb.experiments.study import (METHODS, StudyConfig, StudySpec,
                                     format_markdown, summarise, write_summary)


def result(method,
           ratio,
           seed,
           score,
           ring,
           cross,
           seconds,
           keep=1.0,
           length=2000):
    return {
        'config': 'set_a',
        'method': method,
        'ratio': ratio,
        'seed': seed,
        'sec_per_iter': seconds / length,
        'train_seconds': seconds,
        'keep_ratio': keep,
        'schedule': dict(unit='iter', length=length),
        'score_key': 'mIoU',
        'score_label': 'mIoU',
        'class_prefix': 'IoU',
        'tta': True,
        'mIoU': score,
        'aAcc': 99.0,
        'IoU.ring': ring,
        'IoU.cross': cross
    }


RESULTS = [
    result('full', 0.0, 0, 80.0, 70.0, 60.0, 100.0),
    result('pfb', 0.5, 0, 70.0, 60.0, 40.0, 60.0, keep=0.5),
    result('pfb', 0.5, 1, 74.0, 64.0, 50.0, 80.0, keep=0.5),
]
# full data for 1500 of the 2000 iterations
SHORT = result('short', 0.5, 0, 75.0, 65.0, 45.0, 75.0, length=1500)
SPEC = StudySpec('tiny', (StudyConfig('set_a', {}, classes=('cross', )), ),
                 (METHODS['full'], METHODS['pfb']), (0.5, ), (0, 1), {})
GROUPED = SPEC._replace(
    configs=(SPEC.configs[0]._replace(
        class_groups=dict(both=('ring', 'cross'), rare=('cross', ))), ))


def test_summary_is_mean_and_sample_std():
    full, pfb = summarise(RESULTS)
    assert (pfb['config'], pfb['method'], pfb['ratio']) == ('set_a', 'pfb',
                                                            0.5)
    assert pfb['score'] == dict(mean=72.0, std=pytest.approx(8**0.5), n=2)
    assert pfb['classes']['ring'] == dict(
        mean=62.0, std=pytest.approx(8**0.5), n=2)
    assert pfb['classes']['cross']['std'] == pytest.approx(50**0.5)
    assert pfb['train_seconds']['mean'] == 70.0
    assert pfb['sec_per_iter']['mean'] == pytest.approx(0.035)
    assert pfb['keep_ratio'] == dict(mean=0.5, std=0.0, n=2)
    assert pfb['schedule'] == dict(unit='iter', lengths=[2000])
    assert pfb['work_share'] == dict(mean=0.5, std=0.0, n=2)
    # one seed: no spread
    assert full['score'] == dict(mean=80.0, std=0.0, n=1)
    assert list(full['classes']) == ['ring', 'cross']


def test_markdown_shows_the_chosen_classes():
    lines = format_markdown(SPEC, summarise(RESULTS))
    assert '| method | p | mIoU | cross | deep | work | schedule | ' \
        'train s | s / iter |' in lines
    assert '| pfb | 50% | 72.00 ± 2.83 | 45.00 ± 7.07 | 0.50 ± 0.00 | ' \
        '0.50 ± 0.00 | 2000 iters | 70.0 ± 14.1 | 0.035 ± 0.007 |' in lines
    assert '| full | - | 80.00 ± 0.00 | 60.00 ± 0.00 | 1.00 ± 0.00 | ' \
        '1.00 ± 0.00 | 2000 iters | 100.0 ± 0.0 | 0.050 ± 0.000 |' in lines
    assert any('over 2 seed(s)' in line for line in lines)


def test_work_share_is_relative_to_the_longest_schedule():
    short = summarise(RESULTS + [SHORT])[-1]
    assert short['work_share'] == dict(mean=0.75, std=0.0, n=1)


def epochs(run: dict, length: int, iters=None) -> dict:
    schedule = dict(unit='epoch', length=length)
    if iters is not None:
        schedule['iters'] = iters
    return dict(run, schedule=schedule)


def test_work_share_counts_iterations_across_units():
    # 2 epochs of 469 iterations against a time-matched 666 iterations
    full = epochs(RESULTS[0], 2, iters=938)
    pfb = epochs(RESULTS[1], 2, iters=938)
    matched = dict(SHORT, schedule=dict(unit='iter', length=666))
    rows = summarise([full, pfb, matched])
    assert [r['work_share']['mean']
            for r in rows] == pytest.approx([1.0, 0.5, 666 / 938])
    # epoch results without the iteration count compare in epochs
    rows = summarise(
        [epochs(RESULTS[0], 8),
         epochs(RESULTS[1], 8),
         epochs(SHORT, 5)])
    assert rows[-1]['work_share']['mean'] == pytest.approx(5 / 8)
    with pytest.raises(
            ValueError, match="set_a mix .'epoch', 'iter'.*"
            'no iteration count'):
        summarise([epochs(RESULTS[0], 2), SHORT])


def test_class_groups_are_the_mean_of_each_run_then_spread():
    _, pfb = summarise(RESULTS, {'set_a': GROUPED.configs[0].class_groups})
    # runs: (60 + 40) / 2 = 50 and (64 + 50) / 2 = 57
    assert pfb['class_groups']['both'] == dict(
        mean=53.5, std=pytest.approx(24.5**0.5), n=2)
    assert pfb['class_groups']['rare'] == pfb['classes']['cross']
    assert summarise(RESULTS)[1]['class_groups'] == {}
    lines = format_markdown(
        GROUPED, summarise(RESULTS,
                           {'set_a': GROUPED.configs[0].class_groups}))
    assert '| method | p | mIoU | both | rare | cross | deep | work | ' \
        'schedule | train s | s / iter |' in lines
    assert any(
        line.startswith('| pfb | 50% | 72.00 ± 2.83 | 53.50 ± 4.95 | '
                        '45.00 ± 7.07 | 45.00 ± 7.07 |') for line in lines)


def test_class_group_of_unknown_classes_is_named():
    with pytest.raises(
            ValueError,
            match=r"'odd' names classes the results "
            r"lack: \['square'\]"):
        summarise(RESULTS, {'set_a': dict(odd=('ring', 'square'))})


def test_summary_files(tmp_path):
    rows, paths = write_summary(SPEC, RESULTS, str(tmp_path / 'out'))
    assert sorted(paths) == ['json', 'md', 'png']
    data = json.loads((tmp_path / 'out' / 'summary.json').read_text())
    assert data['runs'] == RESULTS and data['summary'] == rows
    assert (tmp_path / 'out' /
            'summary.md').read_text().startswith('# Study tiny')
    assert (tmp_path / 'out' / 'summary.png').read_bytes()[:4] == \
        b'\x89PNG'
