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
