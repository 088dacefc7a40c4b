# Copyright (c) mmpfb contributors. All rights reserved.
"""The time saved over p of the GPU benchmarks against the paper's.

Reads ``<dir>/<name>/benchmark_pfb.json`` of
``tools/analysis_tools/gpu_checks.sh`` and prints a markdown table: per
config, ratio and mode the share of the iteration time saved and that
share over p, beside the paper's 0.81 (VOC, p = 0.7) and 0.80
(Cityscapes, p = 0.3).

Usage: python tools/gpu_kit/saving_over_p.py DIR
"""
import json
import os.path as osp
import sys

# benchmark name -> the paper's time saved over p
PAPER = (('voc_p70', 0.81), ('cityscapes_p30', 0.80))


def table(root: str) -> list:
    lines = [
        '| config | p | mode (resolved) | saving | saving / p | paper |',
        '|---|---|---|---|---|---|'
    ]
    for name, paper in PAPER:
        path = osp.join(root, name, 'benchmark_pfb.json')
        if not osp.exists(path):
            lines.append(f'| {name} | no result | | | | {paper} |')
            continue
        with open(path) as f:
            rows = json.load(f)['rows']
        for r in rows:
            lines.append(f'| {name} | {r["ratio"]} | {r["mode"]} '
                         f'({r["resolved_mode"]}) | {r["saving"]:.1%} '
                         f'| {r["saving"] / r["ratio"]:.2f} | {paper} |')
    return lines


if __name__ == '__main__':
    print('\n'.join(table(sys.argv[1])))
