# Copyright (c) mmpfb contributors. All rights reserved.
"""Bytes that autograd keeps for the backward pass, by part of the model.

This is the memory PFB can free: activations saved by the deep part (and,
with ``recompute``, by the shallow part) scale with the kept count, while
weights, gradients and optimizer state do not.
"""
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Optional

import torch
from torch import Tensor


def _cast_source(tensor: Tensor) -> Optional[Tensor]:
    """The leaf that ``tensor`` (or the tensor it views) is a dtype copy
    of (autocast's copy of a weight), if it is one."""
    if tensor._base is not None:
        tensor = tensor._base
    fn = tensor.grad_fn
    if fn is None or fn.name() != 'ToCopyBackward0':
        return None
    return getattr(fn.next_functions[0][0], 'variable', None)


@contextmanager
def count_saved_bytes(exclude: Iterable[Tensor]) -> Iterator[dict]:
    """Count the distinct storages autograd saves for backward inside the
    block (``torch.autograd.graph.saved_tensors_hooks``).

    Args:
        exclude (Iterable[Tensor]): Tensors not to count, nor the copies
            autocast casts from them (the parameters: they exist with or
            without the forward pass, and their copies do not grow with
            the batch).

    Yields:
        dict: ``bytes`` after the block ends.
    """
    skip = {t.untyped_storage().data_ptr() for t in exclude}
    seen = set()
    out = dict(bytes=0)

    def pack(tensor: Tensor) -> Tensor:
        source = _cast_source(tensor)
        if source is not None and \
                source.untyped_storage().data_ptr() in skip:
            return tensor
        storage = tensor.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in skip and ptr not in seen:
            seen.add(ptr)
            out['bytes'] += storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        yield out


def saved_mib(fn: Callable[[], object], exclude: Iterable[Tensor]) -> float:
    """MiB that ``fn``'s forward pass saves for backward; the graph is
    freed before returning.

    Args:
        fn (Callable[[], object]): Runs a forward pass with autograd.
        exclude (Iterable[Tensor]): Tensors not to count.

    Returns:
        float: MiB.
    """
    with count_saved_bytes(exclude) as counted:
        result = fn()
    del result
    return counted['bytes'] / 2**20
