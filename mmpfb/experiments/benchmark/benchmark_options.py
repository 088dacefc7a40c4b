# Copyright (c) mmpfb contributors. All rights reserved.
from dataclasses import dataclass
from typing import Optional, Tuple

from mmpfb.models.blocking import SHALLOW_GRAD_MODES


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
        if self.batch_size is not None and (
                not isinstance(self.batch_size, int) or self.batch_size < 2):
            raise ValueError('batch_size must be None or an int >= 2, but '
                             f'got {self.batch_size!r}')
        if self.device not in ('cpu', 'cuda'):
            raise ValueError(
                f"device must be 'cpu' or 'cuda', but got {self.device!r}")
        if self.amp and self.device != 'cuda':
            raise ValueError('amp=True needs device=\'cuda\' (MMEngine\'s '
                             f'AmpOptimWrapper), but got {self.device!r}')
        if not isinstance(self.warmup, int) or self.warmup < 0:
            raise ValueError(
                f'warmup must be an int >= 0, but got {self.warmup!r}')
        if not isinstance(self.repeat, int) or self.repeat < 1:
            raise ValueError(
                f'repeat must be an int >= 1, but got {self.repeat!r}')
        if not isinstance(self.real_data, int) or self.real_data < 0:
            raise ValueError(
                f'real_data must be an int >= 0, but got {self.real_data!r}')
