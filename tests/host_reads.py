# Copyright (c) mmpfb contributors. All rights reserved.
"""Count mmpfb's reads of device values by the host, on any device.

On a GPU each read (``item``, ``tolist``, ``cpu``, ``numpy``, a tensor's
``bool``, ``int``, ``float`` or index) waits for the device. To count them
on a CPU machine, where every tensor is on the host, :class:`HostReads`
tells the values the code made on the host (a CPU generator's draws, a
list turned into a tensor, a ``cpu()`` copy, and what is computed from
those alone) from the device's: the model's parameters and buffers, the
batch, and everything computed from them or made with a ``device``.
Only reads of the device's values count, as they would on a GPU, and
so do the functions whose result's size depends on device values
(``nonzero``, ``unique``, indexing by a mask): the host waits to learn it.
"""
import os.path as osp
import sys
import weakref
from typing import Any, Dict, Iterator, List

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode

import mmpfb

READS = {
    Tensor.item, Tensor.tolist, Tensor.cpu, Tensor.numpy, Tensor.__bool__,
    Tensor.__int__, Tensor.__float__, Tensor.__index__
}
# results whose size depends on the values: the host waits to learn it
SIZED_BY_VALUES = {
    torch.nonzero, Tensor.nonzero, torch.masked_select, Tensor.masked_select,
    torch.unique, Tensor.unique, torch.bincount, Tensor.bincount
}
INDEXING = ('__getitem__', '__setitem__')  # by a mask
TORCH_DIR = osp.dirname(torch.__file__)
MMPFB_DIR = osp.dirname(mmpfb.__file__)
MOVES = {Tensor.to, Tensor.cuda}


def tensors_in(value: Any) -> Iterator[Tensor]:
    """The tensors in ``value``, nested in tuples (``torch.return_types``
    too), lists and dicts."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensors_in(item)


class HostReads(TorchFunctionMode):
    """A torch function mode that records the host's reads of device
    values (see the module's docstring) made while it is on by the code
    in a folder.

    Args:
        callers (str): The folder of the code whose reads count.
            Defaults to mmpfb's package folder.

    Attributes:
        reads (list[str]): The reading functions' names, in call order.
    """

    def __init__(self, callers: str = MMPFB_DIR) -> None:
        super().__init__()
        self.callers = callers
        self.reads: List[str] = []
        self._host: Dict[int, weakref.ref] = {}
        self._indexing_now = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        tensors = list(tensors_in((args, kwargs)))
        if self._reads_device(func, tensors, args) and self._by_callers():
            self.reads.append(func.__name__)
        out = func(*args, **kwargs)
        if func is Tensor.cpu and out is args[0]:
            out = out.clone()  # a copy, as from a GPU
        if self._made_on_host(func, tensors, args, kwargs):
            self._mark_host(out)
        return out

    def __enter__(self):
        # torch 2.1's function modes do not see indexing: wrap it
        self._indexing = {name: Tensor.__dict__.get(name) for name in INDEXING}
        for name in INDEXING:
            setattr(Tensor, name,
                    self._tracked_indexing(getattr(Tensor, name)))
        return super().__enter__()

    def __exit__(self, *exc_info):
        for name, own in self._indexing.items():
            if own is None:  # inherited
                delattr(Tensor, name)
            else:
                setattr(Tensor, name, own)
        return super().__exit__(*exc_info)

    def _tracked_indexing(self, original):

        def indexing(tensor, index, *value):
            if self._indexing_now:  # torch 2.13's mode calls it again
                return original(tensor, index, *value)
            mask = any(t.dtype == torch.bool and not self._on_host(t)
                       for t in tensors_in(index))
            if mask and self._by_callers():
                self.reads.append(original.__name__)
            self._indexing_now = True
            try:
                out = original(tensor, index, *value)
            finally:
                self._indexing_now = False
            if all(self._on_host(t) for t in tensors_in((tensor, index))):
                self._mark_host(out)
            return out

        return indexing

    def _mark_host(self, out: Any) -> None:
        for made in tensors_in(out):
            self._host[id(made)] = weakref.ref(made)

    def _by_callers(self) -> bool:
        """Whether the code calling torch is in :attr:`callers` (not a
        host library's, such as a head's accuracy)."""
        frame = sys._getframe(1)
        while frame is not None and (
                frame.f_code.co_filename.startswith(TORCH_DIR)
                or frame.f_code.co_filename == __file__):
            frame = frame.f_back
        return frame is not None and frame.f_code.co_filename.startswith(
            self.callers)

    def _reads_device(self, func, tensors, args) -> bool:
        if func in READS:
            return not self._on_host(args[0])
        if func in SIZED_BY_VALUES:
            return not self._on_host(tensors[0])
        return False

    def _on_host(self, tensor: Tensor) -> bool:
        ref = self._host.get(id(tensor))
        return ref is not None and ref() is tensor

    def _made_on_host(self, func, tensors, args, kwargs) -> bool:
        if func is Tensor.cpu:
            return True
        if func in MOVES:
            moved = len(args) > 1 and not isinstance(
                args[1], torch.dtype) or 'device' in kwargs
            return not moved and self._on_host(args[0])
        if not tensors:  # a factory: on the host unless given a device
            return kwargs.get('device') is None
        return all(self._on_host(t) for t in tensors)
