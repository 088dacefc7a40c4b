# Copyright (c) mmpfb contributors. All rights reserved.
"""Time a region of the training step on the device that runs it."""
import time
from typing import Optional, Tuple

import torch


class DeviceTimer:
    """Seconds that the device spent on the last timed region.

    On the CPU the host's wall time is the work's. On a CUDA device the
    host only queues the kernels, so its wall time would measure the
    launches (or wait for earlier work); a pair of CUDA events frames the
    region on the current stream instead. MMEngine's ``TimeCounter``
    synchronises around a region; events wait only when read, so
    :attr:`seconds`, which synchronises with the region's end, is for the
    logging iterations, not every step.

    A copy (``copy.deepcopy``, pickling) carries no reading.
    """

    def __init__(self) -> None:
        self._events: Optional[Tuple[torch.cuda.Event,
                                     torch.cuda.Event]] = None
        self._host_start = 0.0
        self._host_seconds: Optional[float] = None

    def start(self, device: torch.device) -> None:
        """Begin timing work queued on ``device`` from now on."""
        if device.type == 'cuda':
            self._events = (torch.cuda.Event(enable_timing=True),
                            torch.cuda.Event(enable_timing=True))
            self._events[0].record()
        else:
            self._events = None
            self._host_start = time.perf_counter()

    def stop(self) -> None:
        """End the region begun by :meth:`start`."""
        if self._events is not None:
            self._events[1].record()
        else:
            self._host_seconds = time.perf_counter() - self._host_start

    @property
    def seconds(self) -> Optional[float]:
        """The last region's seconds; None before the first. On CUDA this
        waits for the region's end."""
        if self._events is None:
            return self._host_seconds
        start, end = self._events
        end.synchronize()
        return start.elapsed_time(end) / 1000

    def __getstate__(self) -> dict:
        # CUDA events can be neither copied nor pickled
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
