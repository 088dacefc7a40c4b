# Copyright (c) mmpfb contributors. All rights reserved.
"""Independent float64 references for the tests, written for clarity."""
import math

import numpy as np


def reference_log_density(x,
                          centroids,
                          counts,
                          bandwidth='silverman',
                          balance=True,
                          eps=1e-6):
    """Brute-force float64 KDE, one kernel at a time."""
    x = np.asarray(x, dtype=np.float64)
    c = np.asarray(centroids, dtype=np.float64)
    n = np.asarray(counts, dtype=np.float64)
    num_c, dim = c.shape
    sigma = np.maximum(c.std(axis=0, ddof=1), eps)
    if bandwidth == 'silverman':
        h = ((4 / ((dim + 2) * num_c))**(1 / (dim + 4)) * sigma)**2
    elif bandwidth == 'scott':
        h = (num_c**(-1 / (dim + 4)) * sigma)**2
    else:
        h = np.ones(dim)
    w = n / n.sum() if balance else np.ones(num_c)
    out = []
    for xi in x:
        terms = []
        for j in range(num_c):
            log_k = (-0.5 * np.sum(
                (xi - c[j])**2 / h) - 0.5 * np.sum(np.log(2 * np.pi * h)))
            terms.append(math.log(w[j]) - math.log(num_c) + log_k)
        top = max(terms)
        out.append(top + math.log(sum(math.exp(t - top) for t in terms)))
    return np.array(out)


def reference_keep(x,
                   centroids,
                   counts,
                   alpha,
                   num_keep,
                   largest=False,
                   **kwargs):
    """Rows with the ``num_keep`` smallest ``g_i`` (largest with
    ``largest``), in batch order."""
    log_f = reference_log_density(x, centroids, counts, **kwargs)
    g = np.exp(log_f - log_f.max()) + np.asarray(alpha, dtype=np.float64)
    order = np.argsort(-g if largest else g, kind='stable')
    return sorted(order[:num_keep].tolist())


def reference_rare_or_hard(scores, losses, weight, log_scores=False):
    """Importance ``z(r)_i + weight * z_S(log L)_i`` one sample at a time
    in float64: ``r_i = -log g_i`` (``-g_i`` with ``log_scores``), ``S``
    the samples with a finite loss (floored at 1e-12), population
    standard deviations, 0 without spread and outside ``S``."""

    def standard_scores(values):
        if len(values) == 0:
            return []
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean)**2 for v in values) / len(values))
        return [(v - mean) / sd if sd > 0 else 0.0 for v in values]

    rarity = [
        -float(g) if log_scores else -math.log(max(float(g), 2.0**-149))
        for g in scores
    ]
    seen = [i for i, loss in enumerate(losses) if math.isfinite(loss)]
    hard = standard_scores(
        [math.log(max(float(losses[i]), 1e-12)) for i in seen])
    loss_term = [0.0] * len(rarity)
    for i, z in zip(seen, hard):
        loss_term[i] = z
    return np.array([
        z + weight * h for z, h in zip(standard_scores(rarity), loss_term)
    ])
