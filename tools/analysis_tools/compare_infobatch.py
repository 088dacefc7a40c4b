# Copyright (c) mmpfb contributors. All rights reserved.
"""Compare mmpfb's InfoBatch with the official code on synthetic losses.

Both are fed one table of per-sample losses, epoch by epoch, each through
its own update method (``InfoBatchPruner.update``; the official
``InfoBatch.update``), and the tool reports for every epoch the fraction
of the data set each keeps, the loss weights of the kept samples, the
samples eligible for pruning (dropped or rescaled) and the passes the
official sampler has drawn (one when it is built, so epoch ``e``'s pass
is drawn with its counter at ``e + 1``); then which epochs each prunes.
It also counts how often the installed torch's ``BatchSampler`` calls
``iter()`` on a sampler per epoch, which decides whether the official
sampler's epochs end.

The official code is not part of mmpfb. Get it with

    git clone https://github.com/NUS-HPC-AI-Lab/InfoBatch PATH

(docs/infobatch.md reports commit 8bbb012) and pass ``--official PATH``.
Its ``infobatch/infobatch.py`` is imported from there; importing it
replaces torch's ``_BaseDataLoaderIter.__next__`` for this process, as in
its own training scripts.

Two drivers: ``direct`` calls ``iter()`` once per epoch on each sampler
and batches what it yields (torch 2.1's ``BatchSampler`` does this);
``loader`` runs each sampler in the installed torch's ``DataLoader``.
An epoch that yields ``--max-samples-factor`` times the data set ends the
run (the official sampler never ends an epoch with ``drop_last=False`` on
torch releases whose ``BatchSampler`` calls ``iter()`` per batch).

Usage: python tools/analysis_tools/compare_infobatch.py --official PATH
       [--num-samples N] [--prune-ratios R ...] [--epochs E ...]
       [--deltas D ...] [--losses {decaying,fixed} ...]
       [--driver {direct,loader}] [--batch-size B] [--drop-last]
       [--json OUT]
"""
import argparse
import importlib.util
import itertools
import json
import os.path as osp
import subprocess
from collections import Counter
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset

from mmpfb.baselines.infobatch import InfoBatchSampler
from mmpfb.utils.tool_entry import ToolError, run_tool, tool_parser

OFFICIAL_URL = 'https://github.com/NUS-HPC-AI-Lab/InfoBatch'
LOSS_KINDS = ('decaying', 'fixed')
DRIVERS = ('direct', 'loader')
# a weight above this is a rescaled sample (1 / (1 - r) > 1 for r > 0)
RESCALED = 1 + 1e-9


class IndexDataset(Dataset):
    """A data set whose sample ``i`` is the integer ``i``, so that a
    batch is the list of its data set indices.

    Args:
        num_samples (int): The data set's length.
    """

    def __init__(self, num_samples: int) -> None:
        self.num_samples = num_samples

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, index: int) -> int:
        return index


def loss_table(num_samples: int,
               num_epochs: int,
               kind: str = 'decaying',
               seed: int = 0) -> np.ndarray:
    """The synthetic losses, one row per epoch, as float32.

    Every sample has a lognormal difficulty; ``'decaying'`` multiplies it
    by lognormal noise and ``0.8 ** epoch`` (training that progresses),
    ``'fixed'`` repeats it every epoch, so that two implementations that
    have visited every sample hold the same scores whatever they dropped.

    Args:
        num_samples (int): Samples per epoch.
        num_epochs (int): Epochs.
        kind (str): ``'decaying'`` or ``'fixed'``. Defaults to
            ``'decaying'``.
        seed (int): Seed of the table. Defaults to 0.

    Returns:
        np.ndarray: ``(num_epochs, num_samples)`` losses.
    """
    if kind not in LOSS_KINDS:
        raise ValueError(f'kind must be one of {LOSS_KINDS}, but got {kind!r}')
    rng = np.random.default_rng(seed)
    difficulty = rng.lognormal(0.0, 0.5, num_samples)
    if kind == 'fixed':
        table = np.tile(difficulty, (num_epochs, 1))
    else:
        noise = rng.lognormal(0.0, 0.3, (num_epochs, num_samples))
        table = difficulty * noise * 0.8**np.arange(num_epochs)[:, None]
    return table.astype(np.float32)


def load_official(path: str) -> ModuleType:
    """Import ``infobatch/infobatch.py`` of an official clone at ``path``.

    Raises:
        ToolError: ``path`` holds no such file.
    """
    source = osp.join(path, 'infobatch', 'infobatch.py')
    if not osp.isfile(source):
        raise ToolError(f'{path} holds no infobatch/infobatch.py; get the '
                        f'official code with: git clone {OFFICIAL_URL} '
                        f'{path}')
    spec = importlib.util.spec_from_file_location('infobatch_official', source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def official_commit(path: str) -> Optional[str]:
    """The commit checked out at ``path``; None if it is no git clone."""
    result = subprocess.run(['git', '-C', path, 'rev-parse', 'HEAD'],
                            capture_output=True,
                            text=True)
    return result.stdout.strip() if result.returncode == 0 else None


class IterCountingSampler:
    """A sampler whose ``__iter__`` returns the sampler itself, as the
    official ``IBSampler`` does, and counts how often it is called; it
    yields ``range(length)`` once, whatever the calls.

    Args:
        length (int): Samples per epoch.
    """

    def __init__(self, length: int) -> None:
        self.length = length
        self.calls = 0
        self._order = iter(range(length))

    def __iter__(self) -> 'IterCountingSampler':
        self.calls += 1
        return self

    def __next__(self) -> int:
        return next(self._order)

    def __len__(self) -> int:
        return self.length


def batch_sampler_iter_calls(length: int, batch_size: int,
                             drop_last: bool) -> int:
    """How often the installed torch's ``BatchSampler`` calls ``iter()``
    on its sampler in one epoch (the official sampler draws a new pass at
    every call)."""
    sampler = IterCountingSampler(length)
    for _ in BatchSampler(sampler, batch_size, drop_last):
        pass
    return sampler.calls


@dataclass
class EpochRecord:
    """What one implementation did in one epoch.

    Args:
        epoch (int): The epoch.
        visited (int): Samples yielded, repeats included.
        kept (int): Distinct samples yielded.
        rescaled (int): Distinct yielded samples weighted above 1.
        weights (dict): Number of yielded samples per loss weight
            (rounded to 6 digits).
        passes (int, optional): Passes drawn so far (the official
            sampler's counter ``iterations``; mmpfb's ``num_passes``).
        ended (bool): Whether the epoch ended before the sample cap.
        eligible (np.ndarray): Boolean mask of the samples that were
            dropped or rescaled.
    """
    epoch: int
    visited: int
    kept: int
    rescaled: int
    weights: Dict[float, int]
    passes: Optional[int]
    ended: bool
    eligible: np.ndarray = field(repr=False)

    def to_dict(self) -> dict:
        """The record without the mask, with JSON-safe keys."""
        record = asdict(self)
        record.pop('eligible')
        record['weights'] = {str(k): v for k, v in self.weights.items()}
        return record


# a driver: (sampler, data set) -> one epoch's batches of indices
Driver = Callable[[object, Dataset], Iterator[List[int]]]
# a feed: (epoch, batch position, batch, its losses) -> the batch's weights
Feed = Callable[[int, int, List[int], np.ndarray], Sequence[float]]


def direct_driver(batch_size: int, drop_last: bool) -> Driver:
    """Batches from one ``iter()`` call per epoch (torch 2.1's
    ``BatchSampler``: a ``for`` loop over the sampler)."""

    def batches(sampler, dataset: Dataset) -> Iterator[List[int]]:
        batch = []
        for index in sampler:
            batch.append(int(index))
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch and not drop_last:
            yield batch

    return batches


def loader_driver(batch_size: int, drop_last: bool) -> Driver:
    """Batches of the installed torch's ``DataLoader`` (no workers)."""

    def batches(sampler, dataset: Dataset) -> Iterator[List[int]]:
        loader = DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            drop_last=drop_last)
        for batch in loader:
            yield batch.tolist()

    return batches


def run_epochs(losses: np.ndarray, epoch_batches: Callable[[int], Iterator],
               feed: Feed, passes: Callable[[], Optional[int]],
               cap: int) -> List[EpochRecord]:
    """Run the epochs of one implementation and record them.

    Args:
        losses (np.ndarray): ``(epochs, samples)`` losses.
        epoch_batches (Callable): Epoch -> its batches of indices.
        feed (Callable): Reports a batch's losses, returns its weights.
        passes (Callable): Passes drawn so far, or None.
        cap (int): Samples after which an epoch is stopped; a stopped
            epoch is the last one run.

    Returns:
        list[EpochRecord]: One record per epoch run.
    """
    num_epochs, num_samples = losses.shape
    records = []
    for epoch in range(num_epochs):
        visits = np.zeros(num_samples, dtype=np.int64)
        weights = np.zeros(num_samples)
        counts: Counter = Counter()
        visited = 0
        for batch in epoch_batches(epoch):
            batch_weights = feed(epoch, visited, batch, losses[epoch, batch])
            visits[batch] += 1
            weights[batch] = batch_weights
            counts.update(round(float(w), 6) for w in batch_weights)
            visited += len(batch)
            if visited >= cap:
                break
        kept = visits > 0
        rescaled = kept & (weights > RESCALED)
        records.append(
            EpochRecord(
                epoch=epoch,
                visited=visited,
                kept=int(kept.sum()),
                rescaled=int(rescaled.sum()),
                weights=dict(sorted(counts.items())),
                passes=passes(),
                ended=visited < cap,
                eligible=~kept | rescaled))
        if visited >= cap:
            break
    return records


def run_ours(losses: np.ndarray, prune_ratio: float, delta: float,
             driver: Driver, cap: int) -> List[EpochRecord]:
    """mmpfb's ``InfoBatchSampler`` driven as ``InfoBatchHook`` drives
    it: planned for the run's epochs, ``set_epoch`` per epoch, each
    batch's weights from ``batch_entries`` and its losses reported to
    ``pruner.update``."""
    num_epochs, num_samples = losses.shape
    dataset = IndexDataset(num_samples)
    sampler = InfoBatchSampler(
        dataset, seed=0, prune_ratio=prune_ratio, delta=delta)
    sampler.pruner.plan(num_epochs)

    def epoch_batches(epoch: int) -> Iterator[List[int]]:
        sampler.set_epoch(epoch)
        return driver(sampler, dataset)

    def feed(epoch: int, position: int, batch: List[int],
             batch_losses: np.ndarray) -> Sequence[float]:
        indices, weights, _ = sampler.batch_entries(position, len(batch))
        if indices != batch:
            raise RuntimeError(
                f'epoch {epoch}: the sampler yielded {batch[:4]}... but '
                f'batch_entries gives {indices[:4]}...')
        sampler.pruner.update(batch, batch_losses.tolist())
        return weights

    return run_epochs(losses, epoch_batches, feed,
                      lambda: sampler.pruner.num_passes, cap)


def run_official(official: ModuleType, losses: np.ndarray, prune_ratio: float,
                 delta: float, driver: Driver, set_indices: bool,
                 cap: int) -> List[EpochRecord]:
    """The official ``InfoBatch`` as in its CIFAR example: the data set
    wrapped, its ``sampler`` taken once, each batch's losses given to
    ``update`` (which weights them by ``get_weights`` of the batch).
    ``set_indices`` gives the batch's indices to ``set_active_indices``,
    which the official patched data loader does itself (the loader
    driver)."""
    num_epochs, num_samples = losses.shape
    dataset = official.InfoBatch(
        IndexDataset(num_samples), num_epochs, prune_ratio, delta)
    sampler = dataset.sampler

    def feed(epoch: int, position: int, batch: List[int],
             batch_losses: np.ndarray) -> Sequence[float]:
        index = torch.as_tensor(batch)
        if set_indices:
            dataset.set_active_indices(index)
        weights = dataset.get_weights(index).tolist()
        dataset.update(torch.from_numpy(batch_losses.copy()))
        return weights

    return run_epochs(losses, lambda epoch: driver(sampler, dataset), feed,
                      lambda: getattr(sampler, 'iterations', None), cap)


def pruned_epochs(records: List[EpochRecord], full: int) -> List[int]:
    """The epochs that kept fewer than ``full`` distinct samples."""
    return [r.epoch for r in records if r.ended and r.kept < full]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap of two boolean masks (1 for two empty masks)."""
    union = int((a | b).sum())
    return 1.0 if union == 0 else int((a & b).sum()) / union


@dataclass
class Comparison:
    """Both implementations on one setting, and what they agree on.

    Args:
        setting (dict): The arguments of :func:`compare_infobatch`.
        ours (list[EpochRecord]): mmpfb's epochs.
        official (list[EpochRecord]): The official code's epochs.
    """
    setting: dict
    ours: List[EpochRecord]
    official: List[EpochRecord]

    @property
    def full(self) -> int:
        """Distinct samples that an epoch without pruning trains."""
        size, batch = self.setting['num_samples'], self.setting['batch_size']
        return size - size % batch if self.setting['drop_last'] else size

    def pruned(self, side: str) -> List[int]:
        """The epochs that ``side`` (``'ours'``/``'official'``) pruned."""
        return pruned_epochs(getattr(self, side), self.full)

    def stop_epoch(self, side: str) -> Optional[int]:
        """The first epoch from which ``side`` prunes no more (None if it
        never prunes)."""
        pruned = self.pruned(side)
        return max(pruned) + 1 if pruned else None

    def eligible_overlap(self) -> Dict[int, float]:
        """Per epoch that both pruned, the overlap of their eligible
        samples (1.0: the same samples)."""
        both = set(self.pruned('ours')) & set(self.pruned('official'))
        return {
            o.epoch: jaccard(o.eligible, f.eligible)
            for o, f in zip(self.ours, self.official) if o.epoch in both
        }

    def tail_rescaled(self, side: str) -> Dict[int, float]:
        """Per epoch after ``side``'s last pruned epoch, the fraction of
        the data set that it weighted above 1."""
        stop = self.stop_epoch(side) or 0
        size = self.setting['num_samples']
        return {
            r.epoch: r.rescaled / size
            for r in getattr(self, side) if r.epoch >= stop
        }

    def summary(self) -> dict:
        """The findings, as plain types."""
        return dict(
            setting=self.setting,
            pruned_epochs=dict(
                ours=self.pruned('ours'), official=self.pruned('official')),
            stop_epoch=dict(
                ours=self.stop_epoch('ours'),
                official=self.stop_epoch('official')),
            eligible_overlap=self.eligible_overlap(),
            tail_rescaled=dict(
                ours=self.tail_rescaled('ours'),
                official=self.tail_rescaled('official')),
            epochs_ended=dict(
                ours=all(r.ended for r in self.ours),
                official=all(r.ended for r in self.official)),
            ours=[r.to_dict() for r in self.ours],
            official=[r.to_dict() for r in self.official])


def compare_infobatch(official: ModuleType,
                      num_samples: int = 10000,
                      num_epochs: int = 10,
                      prune_ratio: float = 0.5,
                      delta: float = 0.875,
                      losses: str = 'decaying',
                      batch_size: int = 128,
                      drop_last: bool = False,
                      driver: str = 'direct',
                      max_samples_factor: float = 3.0,
                      seed: int = 0) -> Comparison:
    """Run mmpfb's and the official InfoBatch on the same losses.

    Args:
        official (ModuleType): The official ``infobatch.infobatch``
            module, or any module whose ``InfoBatch(dataset, num_epochs,
            prune_ratio, delta)`` has the official ``sampler``,
            ``set_active_indices``, ``get_weights`` and ``update``.
        num_samples (int): Size of the data set. Defaults to 10000.
        num_epochs (int): Epochs of the run. Defaults to 10.
        prune_ratio (float): ``r``. Defaults to 0.5.
        delta (float): Fraction of the epochs with pruning. Defaults to
            0.875.
        losses (str): See :func:`loss_table`. Defaults to ``'decaying'``.
        batch_size (int): Defaults to 128.
        drop_last (bool): Drop each epoch's last partial batch. Defaults
            to False.
        driver (str): ``'direct'`` or ``'loader'`` (see the module's
            doc). Defaults to ``'direct'``.
        max_samples_factor (float): An epoch is stopped after this many
            times ``num_samples`` samples. Defaults to 3.0.
        seed (int): Seed of the loss table. Defaults to 0.

    Returns:
        Comparison: Both runs, epoch by epoch.
    """
    if driver not in DRIVERS:
        raise ValueError(f'driver must be one of {DRIVERS}, but got '
                         f'{driver!r}')
    setting = dict(
        num_samples=num_samples,
        num_epochs=num_epochs,
        prune_ratio=prune_ratio,
        delta=delta,
        losses=losses,
        batch_size=batch_size,
        drop_last=drop_last,
        driver=driver,
        max_samples_factor=max_samples_factor,
        seed=seed)
    table = loss_table(num_samples, num_epochs, losses, seed)
    make = direct_driver if driver == 'direct' else loader_driver
    cap = int(max_samples_factor * num_samples)
    ours = run_ours(table, prune_ratio, delta, make(batch_size, drop_last),
                    cap)
    theirs = run_official(official, table, prune_ratio, delta,
                          make(batch_size, drop_last), driver == 'direct', cap)
    return Comparison(setting, ours, theirs)


def format_comparison(comparison: Comparison) -> List[str]:
    """A Markdown table of the epochs and the findings."""
    s = comparison.setting
    size = s['num_samples']
    lines = [
        f'N = {size}, r = {s["prune_ratio"]}, E = {s["num_epochs"]}, '
        f'delta = {s["delta"]} (delta * E = '
        f'{s["delta"] * s["num_epochs"]!r}), {s["losses"]} losses, '
        f'{s["driver"]} driver, batch {s["batch_size"]}, '
        f'drop_last={s["drop_last"]}', '',
        '| epoch | ours kept (rescaled) | official kept (rescaled) | '
        'ours weights | official weights | official passes drawn | '
        'eligible overlap |', '| --- | --- | --- | --- | --- | --- | --- |'
    ]
    overlap = comparison.eligible_overlap()

    def cell(record: Optional[EpochRecord]) -> str:
        if record is None:
            return '-'
        text = f'{record.kept / size:.4f} ({record.rescaled / size:.3f})'
        return text if record.ended else (
            f'not ended after {record.visited} samples')

    def weights(record: Optional[EpochRecord]) -> str:
        return '-' if record is None else ', '.join(f'{w:g}'
                                                    for w in record.weights)

    for ours, theirs in itertools.zip_longest(comparison.ours,
                                              comparison.official):
        epoch = (ours or theirs).epoch
        counter = '-' if theirs is None else str(theirs.passes)
        share = f'{overlap[epoch]:.4f}' if epoch in overlap else '-'
        lines.append(f'| {epoch} | {cell(ours)} | {cell(theirs)} | '
                     f'{weights(ours)} | {weights(theirs)} | {counter} | '
                     f'{share} |')
    for side in ('ours', 'official'):
        tail = comparison.tail_rescaled(side).values()
        shares = f'{min(tail):.3f}-{max(tail):.3f}' if tail else '-'
        lines.append(f'- {side}: pruned epochs {comparison.pruned(side)}, '
                     f'stops at epoch {comparison.stop_epoch(side)}; '
                     f'share of the data set weighted above 1 after it: '
                     f'{shares}')
    return lines + ['']


def build_parser() -> argparse.ArgumentParser:
    """The command line of this tool."""
    parser = tool_parser(
        description='Run mmpfb\'s InfoBatch and the official InfoBatch code '
        'side by side on synthetic per-sample losses and compare, epoch by '
        'epoch, the epochs each prunes, the fraction each keeps, the loss '
        'weights of the kept samples and the samples eligible for pruning.',
        epilog=f'Get the official code with: git clone {OFFICIAL_URL} PATH.')
    parser.add_argument(
        '--official',
        required=True,
        help='The folder of a clone of the official InfoBatch repository '
        '(it holds infobatch/infobatch.py).')
    parser.add_argument(
        '--num-samples',
        type=int,
        default=10000,
        help='Size of the synthetic data set. Defaults to 10000.')
    parser.add_argument(
        '--prune-ratios',
        type=float,
        nargs='+',
        default=[0.3, 0.5],
        help='The prune ratios r to compare. Defaults to 0.3 0.5.')
    parser.add_argument(
        '--epochs',
        type=int,
        nargs='+',
        default=[8, 10],
        help='The run lengths E to compare. Defaults to 8 10.')
    parser.add_argument(
        '--deltas',
        type=float,
        nargs='+',
        default=[0.875, 0.85],
        help='The values of delta to compare. Defaults to 0.875 0.85.')
    parser.add_argument(
        '--losses',
        nargs='+',
        choices=LOSS_KINDS,
        default=['decaying', 'fixed'],
        help='The loss tables: decaying (noisy, shrinking with the epoch) '
        'and fixed (the same every epoch). Defaults to both.')
    parser.add_argument(
        '--driver',
        choices=DRIVERS,
        default='direct',
        help='Call iter() once per epoch on each sampler (direct) or run it '
        'in the installed torch\'s DataLoader (loader). Defaults to '
        'direct.')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=128,
        help='The batch size. Defaults to 128.')
    parser.add_argument(
        '--drop-last',
        action='store_true',
        help='Drop the last partial batch of each epoch.')
    parser.add_argument(
        '--max-samples-factor',
        type=float,
        default=3.0,
        help='Stop an epoch, and the run, after this many times the data '
        'set\'s samples. Defaults to 3.')
    parser.add_argument(
        '--json', help='Also write the findings to this JSON file.')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    official = load_official(args.official)
    calls = batch_sampler_iter_calls(args.num_samples, args.batch_size,
                                     args.drop_last)
    print(f'official code: {osp.abspath(args.official)} at commit '
          f'{official_commit(args.official)}')
    print(f'torch {torch.__version__}: BatchSampler(batch_size='
          f'{args.batch_size}, drop_last={args.drop_last}) calls iter() '
          f'{calls} times on a sampler in an epoch of {args.num_samples} '
          'samples\n')
    results = []
    for losses, delta, epochs, ratio in itertools.product(
            args.losses, args.deltas, args.epochs, args.prune_ratios):
        comparison = compare_infobatch(
            official,
            num_samples=args.num_samples,
            num_epochs=epochs,
            prune_ratio=ratio,
            delta=delta,
            losses=losses,
            batch_size=args.batch_size,
            drop_last=args.drop_last,
            driver=args.driver,
            max_samples_factor=args.max_samples_factor)
        print('\n'.join(format_comparison(comparison)))
        results.append(comparison.summary())
    if args.json:
        with open(args.json, 'w') as file:
            json.dump(
                dict(
                    torch=torch.__version__,
                    commit=official_commit(args.official),
                    batch_sampler_iter_calls=calls,
                    comparisons=results),
                file,
                indent=1)
    return 0


if __name__ == '__main__':
    run_tool(main)
