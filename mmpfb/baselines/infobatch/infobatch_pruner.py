# Copyright (c) mmpfb contributors. All rights reserved.
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

from mmpfb.utils.arg_checks import check_number, check_positive
from mmpfb.utils.loaded_state import tensors_on_host


class InfoBatchPruner:
    """InfoBatch's score table and its passes over the data set.

    Every sample's score is its most recent loss (NaN while unseen). At
    the start of each pass the samples whose score lies below the
    threshold (the mean of the seen scores, or a quantile) are the
    well-learned candidates; ``round(r * C)`` of the ``C`` candidates are
    dropped at random and the kept candidates get the weight
    ``C / (C - round(r * C))``, i.e. ``1 / (1 - r)`` with the ratio ``r``
    actually applied, so that the expected weighted loss of a pass is the
    full pass's loss. Unseen samples are always kept. Passes from
    ``floor(delta * total_passes)`` on (the annealing tail) keep
    everything with weight 1.

    A pass's order is a permutation of the data set drawn from a
    generator seeded with ``seed + pass`` (pass 0 is the order of
    MMEngine's ``DefaultSampler`` at epoch 0) with the dropped samples
    left out, so the pruning is reproducible from the table alone: the
    generator needs no state of its own.

    Args:
        num_samples (int): Size of the data set.
        prune_ratio (float): ``r``, the probability that a candidate is
            dropped; with ``saved_ratio`` the largest ratio a pass may
            use. Defaults to 0.5.
        delta (float): Fraction of the passes with pruning; the rest is
            the annealing tail. Defaults to 0.875.
        threshold (str | float): ``'mean'`` (the paper) or a quantile
            ``q`` in (0, 1] of the seen scores (``0.95`` is the variant
            that the PFB paper and DivBS compare with). Defaults to
            ``'mean'``.
        saved_ratio (float, optional): Target for the fraction of the
            run's samples that is skipped; each pass then uses the ratio
            that spreads the remaining saving over the remaining pruned
            passes, at most ``prune_ratio``. None applies
            ``prune_ratio`` to every pruned pass. Defaults to None.
        shuffle (bool): Permute each pass; without it a pass keeps the
            data set's order. Defaults to True.
        seed (int): Base seed of the passes. Defaults to 0.
        keep_history (bool): Keep the order of every pass (what an
            infinite sampler replays on resume) instead of the latest one
            only. Defaults to False.
    """

    def __init__(self,
                 num_samples: int,
                 prune_ratio: float = 0.5,
                 delta: float = 0.875,
                 threshold: Union[str, float] = 'mean',
                 saved_ratio: Optional[float] = None,
                 shuffle: bool = True,
                 seed: int = 0,
                 keep_history: bool = False) -> None:
        check_number('prune_ratio', prune_ratio, 0, 1)
        check_positive('delta', delta, 1, include_high=True)
        if threshold != 'mean' and not (isinstance(threshold, float)
                                        and 0 < threshold <= 1):
            raise ValueError("threshold must be 'mean' or a quantile in "
                             f'(0, 1], but got {threshold!r}')
        if saved_ratio is not None:
            check_number('saved_ratio', saved_ratio, 0, 1)
        if num_samples < 1:
            raise ValueError(
                f'the data set must not be empty, but has {num_samples} '
                'samples')
        self.num_samples = num_samples
        self.prune_ratio = float(prune_ratio)
        self.delta = float(delta)
        self.threshold = threshold
        self.saved_ratio = saved_ratio
        self.shuffle = shuffle
        self.seed = seed
        self.keep_history = keep_history
        self.total_passes: Optional[float] = None
        self.scores = torch.full((num_samples, ),
                                 math.nan,
                                 dtype=torch.float64)
        self.passes: Dict[int, dict] = {}
        self.num_passes = 0
        self.num_dropped = 0

    # -- planning and scores -------------------------------------------
    def plan(self, total_passes: float) -> None:
        """Set the length of the run in passes (epochs, or the sweeps an
        iteration-based run makes over the full data set)."""
        check_positive('total_passes', total_passes)
        self.total_passes = float(total_passes)

    @property
    def num_pruned_passes(self) -> int:
        """How many passes, from the first, may be pruned."""
        if self.total_passes is None:
            raise RuntimeError('InfoBatchPruner.plan() was not called; '
                               'mmpfb.InfoBatchHook plans the run')
        return int(math.floor(self.delta * self.total_passes + 1e-9))

    @property
    def has_scores(self) -> bool:
        """Whether any sample has been scored."""
        return bool((~torch.isnan(self.scores)).any())

    def update(self, indices: Sequence[int], scores: Sequence[float]) -> None:
        """Store the newest losses of the samples at ``indices``."""
        index = torch.as_tensor(indices, dtype=torch.long)
        self.scores[index] = torch.as_tensor(scores, dtype=torch.float64)

    # -- passes ---------------------------------------------------------
    def _threshold(self, seen: Tensor) -> float:
        values = self.scores[seen]
        if self.threshold == 'mean':
            return float(values.mean())
        return float(torch.quantile(values, self.threshold))

    def _ratio(self, index: int, num_candidates: int) -> float:
        """The drop probability of pass ``index``'s candidates."""
        if self.saved_ratio is None or num_candidates == 0:
            return self.prune_ratio
        budget = self.saved_ratio * self.total_passes * self.num_samples
        passes_left = self.num_pruned_passes - index
        wanted = (budget - self.num_dropped) / max(passes_left, 1)
        return min(max(wanted / num_candidates, 0.0), self.prune_ratio)

    def new_pass(self) -> dict:
        """Draw the next pass from the current scores.

        Returns:
            dict: ``order`` (LongTensor of the kept indices in the order
            they are visited), ``rescaled`` (BoolTensor, which of them
            carry ``weight``), ``weight``, ``ratio`` (the drop fraction
            of the candidates), ``num_candidates`` and ``start`` (how
            many samples the earlier passes hold).
        """
        index = self.num_passes
        gen = torch.Generator().manual_seed(self.seed + index)
        if self.shuffle:
            order = torch.randperm(self.num_samples, generator=gen)
        else:
            order = torch.arange(self.num_samples)
        seen = ~torch.isnan(self.scores)
        prune = (
            index > 0 and bool(seen.any()) and index < self.num_pruned_passes)
        num_candidates, ratio, weight = 0, 0.0, 1.0
        rescaled = torch.zeros(self.num_samples, dtype=torch.bool)
        if prune:
            candidate = seen & (self.scores < self._threshold(seen))
            num_candidates = int(candidate.sum())
            ratio = self._ratio(index, num_candidates)
            # at least one candidate stays to carry the dropped ones'
            # weight (a high ratio of a few candidates would round to all)
            num_drop = min(
                int(round(ratio * num_candidates)), max(num_candidates - 1, 0))
            if num_drop > 0:
                # the candidates in the pass's random order: dropping the
                # first ones drops a uniform random subset
                ranked = order[candidate[order]]
                keep = torch.ones(self.num_samples, dtype=torch.bool)
                keep[ranked[:num_drop]] = False
                rescaled[ranked[num_drop:]] = True
                weight = num_candidates / (num_candidates - num_drop)
                ratio = num_drop / num_candidates
                order = order[keep[order]]
                self.num_dropped += num_drop
            else:
                ratio = 0.0
        last = self.passes.get(index - 1)
        start = 0 if last is None else last['start'] + len(last['order'])
        new = dict(
            order=order,
            rescaled=rescaled[order],
            weight=weight,
            ratio=ratio,
            num_candidates=num_candidates,
            start=start)
        if not self.keep_history:
            self.passes.clear()
        self.passes[index] = new
        self.num_passes += 1
        return new

    def pass_of(self, position: int) -> Optional[int]:
        """The pass holding stream ``position`` (an infinite sampler's
        samples counted over all passes); None if not drawn yet."""
        for index in range(self.num_passes - 1, -1, -1):
            item = self.passes.get(index)
            if item is None:
                return None
            if position >= item['start']:
                end = item['start'] + len(item['order'])
                return index if position < end else None
        return None

    def entries(self, index: int,
                offsets: List[int]) -> Tuple[List[int], List[float]]:
        """Data set indices and loss weights at ``offsets`` of pass
        ``index``."""
        item = self.passes[index]
        offsets_t = torch.as_tensor(offsets, dtype=torch.long)
        indices = item['order'][offsets_t].tolist()
        weights = torch.where(item['rescaled'][offsets_t], item['weight'],
                              1.0).tolist()
        return indices, weights

    # -- checkpoints ----------------------------------------------------
    def state_dict(self) -> dict:
        """Everything that decides the next passes, as plain types."""
        return dict(
            num_samples=self.num_samples,
            scores=self.scores.clone(),
            passes={
                k: dict(v)
                for k, v in self.passes.items()
            },
            num_passes=self.num_passes,
            num_dropped=self.num_dropped,
            total_passes=self.total_passes)

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`'s output, its tensors on the CPU
        wherever the checkpoint was loaded to (they meet the passes' host
        tensors)."""
        if state['num_samples'] != self.num_samples:
            raise ValueError(
                'the checkpoint scores a data set of '
                f'{state["num_samples"]} samples, but the training data '
                f'set has {self.num_samples}')
        state = tensors_on_host(state)
        self.scores = state['scores']
        self.passes = {int(k): v for k, v in state['passes'].items()}
        self.num_passes = state['num_passes']
        self.num_dropped = state['num_dropped']
        self.total_passes = state['total_passes']
