# Copyright (c) mmpfb contributors. All rights reserved.
"""``shallow_grad='auto'``: choose ``reuse`` or ``recompute`` by timing."""
import logging
import statistics
import time
from typing import Dict, List, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.dist import is_distributed
from mmengine.logging import print_log

MODES = ('reuse', 'recompute')


class ShallowGradTuner(nn.Module):
    """Time both ``shallow_grad`` modes during training and keep the faster
    (``docs/design.md`` 1).

    Once pruning is active (on, ``p > 0``, estimator ready) the modes take
    turns for ``trials`` training iterations each. A sample is the wall
    time from one PFB step to the next, so it covers the whole iteration
    (backward and optimizer step included) and the device is synchronised
    before each reading. The faster median wins; rank 0 decides and
    broadcasts, so every rank takes the same mode. The choice and the
    ratio it was measured at are buffers (``choice``, ``measured_ratio``)
    so a checkpoint carries them and a resumed run does not measure again.
    When the ratio moves more than ``tolerance`` away from the measured
    one (a warm-up), the modes are timed again; a measurement whose ratio
    drifts that far starts over.

    A step whose pruning is off never counts and breaks the interval it
    ends. Every rank follows the same schedule, because whether pruning
    is active and the ratio are the same on every rank.

    Public attributes for reports: :attr:`choice`, :attr:`measured_ratio`,
    :attr:`samples` (seconds per mode, of the last measurement),
    :attr:`medians` and :attr:`mode` (the mode of the latest step).

    Args:
        trials (int): Timed iterations per mode. Defaults to 5.
        tolerance (float): Change of the prune ratio that triggers a new
            measurement. Defaults to 0.1.
    """

    def __init__(self, trials: int = 5, tolerance: float = 0.1) -> None:
        super().__init__()
        self.trials = trials
        self.tolerance = tolerance
        # -1: not measured yet, else an index into MODES
        self.register_buffer('choice_code', torch.full((), -1))
        self.register_buffer('measured_ratio', torch.zeros(()))
        # host copies: reading a CUDA buffer at every step would wait on
        # the device
        self._choice: Optional[str] = None
        self._measured_ratio = 0.0
        self.samples: Dict[str, List[float]] = {m: [] for m in MODES}
        self.mode: Optional[str] = None
        self._ratio_measuring: Optional[float] = None
        self._pending: Optional[Tuple[str, float]] = None

    @property
    def choice(self) -> Optional[str]:
        """The measured mode; None until measured."""
        return self._choice

    @property
    def medians(self) -> Dict[str, float]:
        """Median sample per mode of the last measurement, in seconds."""
        return {m: statistics.median(s) for m, s in self.samples.items() if s}

    def step(self, active: bool, prune_ratio: float,
             device: torch.device) -> str:
        """The mode of this PFB step; call once per step.

        Args:
            active (bool): Whether pruning is active this step.
            prune_ratio (float): The ratio of this step.
            device (torch.device): The inputs' device, synchronised
                before each reading while measuring.

        Returns:
            str: ``'reuse'`` or ``'recompute'``.
        """
        if not active:
            self._pending = None
            self.mode = self._choice or MODES[0]
            return self.mode
        if self._choice is not None:
            if abs(prune_ratio - self._measured_ratio) <= self.tolerance:
                self.mode = self._choice
                return self.mode
            print_log(
                f'PFB shallow_grad=auto: prune_ratio moved from '
                f'{self._measured_ratio:.3f} to {prune_ratio:.3f}; timing '
                'both modes again.',
                logger='current')
            self._choice = None
        now = self._now(device)
        if (self._ratio_measuring is None
                or abs(prune_ratio - self._ratio_measuring) > self.tolerance):
            self.samples = {m: [] for m in MODES}
            self._ratio_measuring = prune_ratio
            self._pending = None
        if self._pending is not None:
            mode, start = self._pending
            self.samples[mode].append(now - start)
            self._pending = None
        if all(len(s) >= self.trials for s in self.samples.values()):
            self.mode = self._decide(prune_ratio)
            return self.mode
        self.mode = min(MODES, key=lambda m: len(self.samples[m]))
        self._pending = (self.mode, now)
        return self.mode

    @staticmethod
    def _now(device: torch.device) -> float:
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        return time.perf_counter()

    def _decide(self, prune_ratio: float) -> str:
        """Faster median on rank 0, broadcast to every rank."""
        medians = self.medians
        code = torch.full((),
                          MODES.index(min(MODES, key=medians.get)),
                          device=self.choice_code.device)
        if is_distributed():
            dist.broadcast(code, src=0)
        self.choice_code.copy_(code)
        self.measured_ratio.fill_(prune_ratio)
        self._choice = MODES[int(code)]
        self._measured_ratio = float(prune_ratio)
        self._ratio_measuring = None
        times = ', '.join(f'{m} {medians[m]:.4f} s' for m in MODES)
        print_log(
            f'PFB shallow_grad=auto at prune_ratio={prune_ratio:.3f}: '
            f'median iteration time {times} over {self.trials} iterations '
            f'each (this rank) -> {self._choice} (rank 0 decides)',
            logger='current',
            level=logging.INFO)
        return self._choice

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        code = int(self.choice_code)
        self._choice = MODES[code] if code >= 0 else None
        self._measured_ratio = float(self.measured_ratio)
        self._ratio_measuring = None
        self._pending = None

    def summary(self) -> Dict[str, float]:
        """Scalars for the logs once measured: ``shallow_grad_recompute``
        (1.0 for recompute, 0.0 for reuse) and the median iteration time
        of each mode, ``shallow_grad_<mode>_time`` in seconds."""
        if self._choice is None:
            return {}
        out = dict(shallow_grad_recompute=float(self._choice == 'recompute'))
        out.update({
            f'shallow_grad_{m}_time': t
            for m, t in self.medians.items()
        })
        return out

    def extra_repr(self) -> str:
        return (f'trials={self.trials}, tolerance={self.tolerance}, '
                f'choice={self._choice!r}')
