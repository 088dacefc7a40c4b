# Copyright (c) mmpfb contributors. All rights reserved.
"""The benchmark's result as a Markdown table and a plot."""
import os.path as osp
from typing import List


def _ms(seconds: float) -> str:
    return f'{seconds * 1e3:.1f}'


def format_table(result: dict) -> List[str]:
    """Markdown lines: the settings, the whole-batch figures and one row
    per ratio and mode (with memory columns when measured).

    Args:
        result (dict): What :func:`run_benchmark` returns.

    Returns:
        list[str]: The lines.
    """
    memory = 'full_peak_mib' in result
    lines = [
        f'{result["config"]} on {result["machine"]} '
        f'({result["threads"]} threads), {result["date"]}, '
        f'{result["data"]} batch {result["batch_size"]} x '
        f'{result["input_shape"]}, median of {result["repeat"]} rounds',
        f'full iteration {_ms(result["full_seconds"])} ms '
        f'(interquartile range {result["full_spread"]:.1%}); over all N, '
        f'shallow forward {_ms(result["shallow_forward_seconds"])} ms '
        f'({_ms(result["shallow_forward_grad_seconds"])} ms with autograd), '
        f'shallow backward {_ms(result["shallow_backward_seconds"])} ms'
    ]
    if memory:
        lines.append(
            f'peak memory of a full step {result["full_peak_mib"]:.0f} MiB; '
            f'activations saved for backward '
            f'{result["activations_mib"]:.0f} MiB, of which the shallow '
            f'part {result["shallow_activations_mib"]:.0f} MiB')
    header = ('| p | mode | ms/iter | IQR | ideal ms | achievable ms | saving '
              '| of ideal saving | of achievable saving | scoring |')
    if memory:
        header += ' peak MiB | memory saved MiB | expected MiB |'
    lines += ['', header, '|' + '---|' * (header.count('|') - 1)]
    for r in result['rows']:
        mode = r['mode'] if r['mode'] != 'auto' else \
            f'auto ({r["resolved_mode"] or "still measuring"})'
        line = (f'| {r["ratio"]:.2f} | {mode} | {_ms(r["seconds"])} | '
                f'{r["spread"]:.1%} | {_ms(r["ideal_seconds"])} | '
                f'{_ms(r["achievable_seconds"])} | {r["saving"]:.1%} | '
                f'{r["ideal_share"]:.1%} | {r["achievable_share"]:.1%} | '
                f'{r["score_share"]:.2%} |')
        if memory:
            line += (f' {r["peak_mib"]:.0f} | '
                     f'{r["memory_saving_mib"]:.0f} | '
                     f'{r["expected_memory_saving_mib"]:.0f} |')
        lines.append(line)
    return lines


def plot_benchmark(result: dict, path: str) -> None:
    """Milliseconds per iteration against ``p``: full data, the ideal and
    achievable bounds and each mode.

    Args:
        result (dict): What :func:`run_benchmark` returns.
        path (str): PNG to write.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rows = result['rows']
    ratios = sorted({r['ratio'] for r in rows})
    modes = list(dict.fromkeys(r['mode'] for r in rows))

    def series(mode: str, key: str = 'seconds') -> list:
        return [
            next(r[key]
                 for r in rows if r['ratio'] == p and r['mode'] == mode) * 1e3
            for p in ratios
        ]

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.axhline(
        result['full_seconds'] * 1e3, color='k', ls=':', label='full data')
    ax.plot(ratios, series(modes[0], 'ideal_seconds'), 'k--', label='ideal')
    ax.plot(
        ratios,
        series(modes[0], 'achievable_seconds'),
        'k-.',
        label='achievable')
    for mode, marker in zip(modes, 'os^'):
        ax.plot(ratios, series(mode), marker=marker, label=mode)
    ax.set_xlabel('prune ratio p')
    ax.set_ylabel('ms / training iteration')
    ax.set_title(osp.basename(result['config']), fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
