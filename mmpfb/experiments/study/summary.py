# Copyright (c) mmpfb contributors. All rights reserved.
"""A study's summary: mean and spread over seeds, as JSON and markdown.

Per config, method and ratio: the test score, each class's score, the
mean score of each class group the config names (per run, then over the
seeds), the fraction of samples that went through the part after the block
(``keep_ratio``; 1.0 for a model without PFB), the work share (the samples
trained past the block relative to a run of the config's longest
schedule without pruning: ``keep_ratio * iterations / most iterations``
(schedule lengths where a config's runs share a unit and some results
predate the iteration count), a
measure of cost that does not depend on the machine's load), the
training time in seconds (summed iteration times) and the median time per
iteration, each as the mean and the sample standard deviation over the
seeds (0 for one seed), and the schedule lengths the runs trained.
"""
import json
import os
import os.path as osp
import statistics
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from .spec import StudySpec

SPREAD_KEYS = ('keep_ratio', 'train_seconds', 'sec_per_iter')


def mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean, sample standard deviation (0 for one value) and count."""
    values = list(values)
    return dict(
        mean=statistics.mean(values),
        std=statistics.stdev(values) if len(values) > 1 else 0.0,
        n=len(values))


def _group_means(group: List[dict], prefix: str,
                 class_groups: Mapping[str, Sequence[str]]) -> dict:
    """Per class group, the spread of its runs' mean class scores."""
    spreads = {}
    for name, classes in class_groups.items():
        missing = [c for c in classes if prefix + c not in group[0]]
        if missing:
            raise ValueError(f'class group {name!r} names classes the '
                             f'results lack: {missing}')
        spreads[name] = mean_std(
            statistics.mean(r[prefix + c] for c in classes) for r in group)
    return spreads


def summarise(
    results: List[dict],
    class_groups: Optional[Mapping[str, Mapping[str, Sequence[str]]]] = None
) -> List[dict]:
    """One row per config, method and ratio, in the results' order.

    Args:
        results (list[dict]): Run results (see
            :mod:`mmpfb.experiments.study.runner`).
        class_groups (dict, optional): Per config name, its groups of
            classes (group name to classes). Defaults to None.

    Returns:
        list[dict]: Rows with ``config``, ``method``, ``ratio``,
        ``score_key``, ``score_label``, ``tta``, ``score``, ``classes``
        (class to spread), ``class_groups`` (group to spread),
        ``schedule`` (the distinct lengths and their unit), ``work_share``
        and a spread per key of :data:`SPREAD_KEYS`.
    """
    class_groups = class_groups or {}
    groups: Dict[tuple, List[dict]] = {}
    for result in results:
        key = (result['config'], result['method'], result['ratio'])
        groups.setdefault(key, []).append(result)
    amount = _schedule_amounts(results)
    longest: Dict[str, int] = {}
    for result in results:
        longest[result['config']] = max(
            longest.get(result['config'], 0), amount(result))
    rows = []
    for (config, method, ratio), group in groups.items():
        first = group[0]
        prefix = f'{first["class_prefix"]}.'
        classes = [k[len(prefix):] for k in first if k.startswith(prefix)]
        rows.append(
            dict(
                config=config,
                method=method,
                ratio=ratio,
                score_key=first['score_key'],
                score_label=first['score_label'],
                tta=first['tta'],
                score=mean_std(r[first['score_key']] for r in group),
                classes={
                    c: mean_std(r[prefix + c] for r in group)
                    for c in classes
                },
                class_groups=_group_means(group, prefix,
                                          class_groups.get(config, {})),
                schedule=dict(
                    unit=first['schedule']['unit'],
                    lengths=sorted({r['schedule']['length']
                                    for r in group})),
                work_share=mean_std(r['keep_ratio'] * amount(r) /
                                    longest[config] for r in group),
                **{k: mean_std(r[k] for r in group)
                   for k in SPREAD_KEYS}))
    return rows


def _iterations(result: dict) -> Optional[int]:
    schedule = result['schedule']
    if 'iters' in schedule:
        return schedule['iters']
    return schedule['length'] if schedule['unit'] == 'iter' else None


def _schedule_amounts(results: Sequence[dict]):
    """How the work share counts a run's schedule: in iterations, or in
    the schedule's own unit where a config's runs share it and some
    results lack the iteration count."""
    by_length = set()
    for config in {r['config'] for r in results}:
        runs = [r for r in results if r['config'] == config]
        if all(_iterations(r) is not None for r in runs):
            continue
        units = {r['schedule']['unit'] for r in runs}
        if len(units) > 1:
            raise ValueError(
                f'the results of {config} mix {sorted(units)} schedules and '
                'some have no iteration count (schedule.iters), so their '
                'work cannot be compared')
        by_length.add(config)

    def amount(result: dict) -> int:
        if result['config'] in by_length:
            return result['schedule']['length']
        return _iterations(result)

    return amount


def _cell(spread: Dict[str, float], fmt: str = '{:.2f}') -> str:
    return f'{fmt.format(spread["mean"])} ± {fmt.format(spread["std"])}'


def format_markdown(spec: StudySpec, rows: List[dict]) -> List[str]:
    """The summary as markdown: one table per config.

    Args:
        spec (StudySpec): The study (for the classes each table shows).
        rows (list[dict]): From :func:`summarise`.

    Returns:
        list[str]: The lines.
    """
    lines = [f'# Study {spec.name}', '']
    for config in spec.configs:
        table = [r for r in rows if r['config'] == config.name]
        if not table:
            continue
        first = table[0]
        shown = list(config.classes or first['classes'])
        groups = list(config.class_groups)
        seeds = max(r['score']['n'] for r in table)
        tta = ' with test-time augmentation' if first['tta'] else ''
        lines += [
            f'## {config.name}', '',
            f'{first["score_label"]}{tta}; mean ± sample standard '
            f'deviation over {seeds} seed(s); deep: fraction of the '
            'samples trained past the block (InfoBatch: of the full-data '
            'samples trained); work: deep x schedule / the longest '
            'schedule; train s: summed iteration times', '',
            f'| method | p | {first["score_label"]} | ' +
            ''.join(f'{c} | ' for c in groups + shown) +
            'deep | work | schedule | train s | s / iter |', '|---|---|---|' +
            '---|' * (len(groups) + len(shown)) + '---|---|---|---|---|'
        ]
        for row in table:
            ratio = '-' if row['ratio'] == 0 else f'{row["ratio"]:.0%}'
            schedule = '/'.join(map(str, row['schedule']['lengths']))
            classes = ''.join(f'{_cell(row["class_groups"][g])} | '
                              for g in groups)
            classes += ''.join(f'{_cell(row["classes"][c])} | ' for c in shown)
            lines.append(
                f'| {row["method"]} | {ratio} | {_cell(row["score"])} | '
                f'{classes}{_cell(row["keep_ratio"])} | '
                f'{_cell(row["work_share"])} | '
                f'{schedule} {row["schedule"]["unit"]}s | '
                f'{_cell(row["train_seconds"], "{:.1f}")} | '
                f'{_cell(row["sec_per_iter"], "{:.3f}")} |')
        lines.append('')
    return lines


def write_summary(spec: StudySpec, results: List[dict],
                  folder: str) -> Tuple[List[dict], Dict[str, str]]:
    """Write ``summary.json``, ``summary.md`` and ``summary.png``.

    Args:
        spec (StudySpec): The study.
        results (list[dict]): Its finished runs' results.
        folder (str): Where the files go.

    Returns:
        tuple[list[dict], dict[str, str]]: The rows of
        :func:`summarise`, and ``json``, ``md`` and ``png`` to the files.
    """
    from .plot import plot_time_to_score
    rows = summarise(results, {c.name: c.class_groups for c in spec.configs})
    os.makedirs(folder, exist_ok=True)
    paths = {
        ext: osp.join(folder, f'summary.{ext}')
        for ext in ('json', 'md', 'png')
    }
    with open(paths['json'], 'w') as f:
        json.dump(
            dict(name=spec.name, runs=results, summary=rows), f, indent=2)
    with open(paths['md'], 'w') as f:
        f.write('\n'.join(format_markdown(spec, rows)))
    plot_time_to_score(spec, rows, paths['png'])
    return rows, paths
