# Copyright (c) mmpfb contributors. All rights reserved.
import json
import statistics
from typing import Dict


def summarize_infobatch_log(path: str) -> Dict[str, float]:
    """InfoBatch's saved fraction and per-iteration overhead from a run.

    Reads the ``vis_data/scalars.json`` (or ``<timestamp>.json``) that
    MMEngine's ``LoggerHook`` writes for a run with
    :class:`mmpfb.baselines.infobatch.InfoBatchHook`.

    Args:
        path (str): The json log, one dict per line.

    Returns:
        dict: ``iterations`` (last logged iteration), ``virtual_iter``
        (the full-data iterations it stood for), ``saved`` (the fraction
        of the full-data iterations saved), ``hook_time`` (mean seconds
        per iteration in the hook, the bookkeeping overhead) and
        ``iter_time`` (mean seconds per iteration).
    """
    with open(path) as file:
        rows = [json.loads(line) for line in file if line.strip()]
    rows = [row for row in rows if 'infobatch_hook_time' in row]
    if not rows:
        raise ValueError(f'{path} logs no InfoBatch training iterations')
    last = rows[-1]
    return dict(
        iterations=last['iter'],
        virtual_iter=last['infobatch_virtual_iter'],
        saved=last.get('infobatch_saved', 0.0),
        hook_time=statistics.mean(r['infobatch_hook_time'] for r in rows),
        iter_time=statistics.mean(r['time'] for r in rows if 'time' in r))
