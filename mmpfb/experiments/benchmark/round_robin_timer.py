# Copyright (c) mmpfb contributors. All rights reserved.
"""Time several callables fairly on a machine whose speed drifts."""
import statistics
import time
from typing import Callable, Dict, Hashable, List, Optional

import torch


def relative_iqr(times: List[float]) -> float:
    """Interquartile range of ``times`` as a share of their median; 0 for
    fewer than two."""
    if len(times) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(times, n=4)
    return (q3 - q1) / statistics.median(times)


def time_round_robin(
    fns: Dict[Hashable, Callable[[], object]],
    warmup: int,
    repeat: int,
    device: torch.device,
    before_round: Optional[Callable[[int], None]] = None,
    on_call: Optional[Callable[[Hashable],
                               None]] = None) -> Dict[Hashable, dict]:
    """Median seconds and spread of each callable.

    The callables run round-robin, one call each per round, so that a
    drift of the machine's speed (thermal, other processes) affects all of
    them alike instead of whichever ran last. On CUDA each call is
    synchronised before and after.

    Args:
        fns (dict): Name to callable.
        warmup (int): Untimed rounds first.
        repeat (int): Timed rounds.
        device (torch.device): The device the callables run on.
        before_round (Callable[[int], None], optional): Called with the
            round's index (warm-up rounds first) before each round, e.g.
            to pick its batch. Defaults to None.
        on_call (Callable, optional): Called with a callable's name before
            it runs (progress). Defaults to None.

    Returns:
        dict: Name to ``dict(seconds=median, spread=relative IQR)``.
    """

    def sync() -> None:
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    times = {name: [] for name in fns}
    for index in range(warmup + repeat):
        if before_round is not None:
            before_round(index)
        for name, fn in fns.items():
            if on_call is not None:
                on_call(name)
            sync()
            start = time.perf_counter()
            fn()
            sync()
            if index >= warmup:
                times[name].append(time.perf_counter() - start)
    return {
        name:
        dict(seconds=statistics.median(values), spread=relative_iqr(values))
        for name, values in times.items()
    }
