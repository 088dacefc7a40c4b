# Copyright (c) mmpfb contributors. All rights reserved.
"""What PFB could save at best: the ideal and the achievable iteration
time (``docs/speed.md``)."""
import math
from typing import Dict


def interpolate(values: Dict[int, float], k: float) -> float:
    """``values`` (keyed by whole batch sizes) linearly interpolated at
    ``k``."""
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return values[lo]
    return values[lo] + (k - lo) * (values[hi] - values[lo])


def ideal_seconds(t_full: Dict[int, float], t_shallow: Dict[int, float],
                  batch_size: int, ratio: float) -> float:
    """``T_full(K) + T_sf(N) - T_sf(K)``: pruned samples pay only the
    shallow forward; ``K = (1 - p) N``.

    Args:
        t_full (dict[int, float]): Full training iteration by batch size.
        t_shallow (dict[int, float]): Shallow forward (no autograd) by
            batch size.
        batch_size (int): N.
        ratio (float): p.

    Returns:
        float: Seconds.
    """
    k = (1 - ratio) * batch_size
    return (interpolate(t_full, k) + t_shallow[batch_size] -
            interpolate(t_shallow, k))


def achievable_seconds(ideal: float, t_shallow: float,
                       t_shallow_backward: float, ratio: float) -> float:
    """``T_ideal + min(p T_sb(N), (1 - p) T_sf(N))``: exact gradients
    cost either the shallow backward of the pruned rows (``reuse``) or a
    second shallow forward of the kept ones (``recompute``).

    Args:
        ideal (float): :func:`ideal_seconds`.
        t_shallow (float): Shallow forward over all N.
        t_shallow_backward (float): Shallow backward over all N.
        ratio (float): p.

    Returns:
        float: Seconds.
    """
    return ideal + min(ratio * t_shallow_backward, (1 - ratio) * t_shallow)
