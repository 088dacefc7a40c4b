# Copyright (c) mmpfb contributors. All rights reserved.
from dataclasses import dataclass
from typing import Optional, Tuple

from mmpfb.models.blocking import SHALLOW_GRAD_MODES
from mmpfb.utils.arg_checks import check_choice, check_int


@dataclass(frozen=True)
class BenchmarkOptions:
    """What :func:`run_benchmark` measures, checked on creation.

    Args:
        ratios (tuple[float, ...]): Prune ratios, each in (0, 1).
            Defaults to (0.3, 0.5, 0.7).
        modes (tuple[str, ...]): ``shallow_grad`` modes to time.
            Defaults to ('reuse', 'recompute', 'auto').
        batch_size (int, optional): N; None takes 10 for synthetic
            batches and the train dataloader's for real ones.
            Defaults to None.
        crop (tuple[int, int], optional): ``(H, W)`` of synthetic inputs;
            None reads it from the config (see
            :func:`input_shape_from_config`). Defaults to None.
        channels (int, optional): Input channels of synthetic inputs;
            None reads them from the config. Defaults to None.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        warmup (int): Untimed rounds. Defaults to 2.
        repeat (int): Timed rounds (the median is reported).
            Defaults to 5.
        real_data (int): Time this many batches of the config's train
            dataloader, one per round in turn; 0 times one synthetic
            batch. Defaults to 0.
        memory (bool): Also measure the peak memory of one training step
            per model, each in a fresh process. Defaults to True.
        amp (bool): fp16 mixed precision through MMEngine's
            ``AmpOptimWrapper`` (CUDA only). Defaults to False.

    Raises:
        ValueError: For a value out of range; the message names the
            argument and the value.
    """

    ratios: Tuple[float, ...] = (0.3, 0.5, 0.7)
    modes: Tuple[str, ...] = ('reuse', 'recompute', 'auto')
    batch_size: Optional[int] = None
    crop: Optional[Tuple[int, int]] = None
    channels: Optional[int] = None
    device: str = 'cpu'
    warmup: int = 2
    repeat: int = 5
    real_data: int = 0
    memory: bool = True
    amp: bool = False

    def __post_init__(self) -> None:
        if not self.ratios or not all(0 < p < 1 for p in self.ratios):
            raise ValueError(
                f'ratios must be in (0, 1), but got {self.ratios!r}')
        if not self.modes or set(self.modes) - set(SHALLOW_GRAD_MODES):
            raise ValueError(f'modes must be some of {SHALLOW_GRAD_MODES}, '
                             f'but got {self.modes!r}')
        check_int('batch_size', self.batch_size, 2, optional=True)
        check_choice('device', self.device, ('cpu', 'cuda'))
        if self.amp and self.device != 'cuda':
            raise ValueError('amp=True needs device=\'cuda\' (MMEngine\'s '
                             f'AmpOptimWrapper), but got {self.device!r}')
        check_int('warmup', self.warmup, 0)
        check_int('repeat', self.repeat, 1)
        check_int('real_data', self.real_data, 0)
