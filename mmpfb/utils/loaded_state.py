# Copyright (c) mmpfb contributors. All rights reserved.
"""Put state loaded from a checkpoint where the code uses it.

MMEngine's ``Runner.resume`` loads a checkpoint with ``map_location`` set
to the run's device, so on a GPU every tensor in it arrives there,
whatever device it was saved from. Restore code passes what it loads
through these functions, wherever it lies:

- a random generator state goes to the CPU as a contiguous uint8 copy,
  the only form ``torch.set_rng_state``, ``torch.cuda.set_rng_state``
  and ``torch.Generator.set_state`` take
  (:func:`generator_state_on_host`);
- state that the code combines with host tensors (a score table, index
  lists) goes to the CPU (:func:`tensors_on_host`);
- a buffer that takes the checkpoint's size stays on its module's device
  (:func:`empty_buffer_like`); ``nn.Module``'s loading then copies the
  saved values into it, across devices, as into every other buffer.
"""
from typing import Any

import torch
from torch import Tensor


def generator_state_on_host(state: Tensor) -> Tensor:
    """A random generator state as torch's setters take it.

    Args:
        state (Tensor): A state from ``get_state`` or ``get_rng_state``,
            on any device; it may be a row of a table of states.

    Returns:
        Tensor: A contiguous uint8 copy on the CPU at storage offset 0
        (the setters refuse a state on another device, and a row at a
        storage offset crashes ``set_rng_state``).
    """
    return state.to(
        device='cpu',
        dtype=torch.uint8,
        copy=True,
        memory_format=torch.contiguous_format)


def tensors_on_host(state: Any) -> Any:
    """``state`` with every tensor in it copied to the CPU.

    Args:
        state (Any): A tensor, or dicts, lists and tuples that hold
            tensors and other values, nested in any way.

    Returns:
        Any: The same structure, its dicts, lists and tuples rebuilt as
        such, with CPU copies of its tensors (sharing no memory with
        ``state``) and its other values as they are.
    """
    if isinstance(state, Tensor):
        return state.to('cpu', copy=True)
    if isinstance(state, dict):
        return {key: tensors_on_host(value) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(tensors_on_host(value) for value in state)
    return state


def empty_buffer_like(saved: Tensor, buffer: Tensor) -> Tensor:
    """An uninitialised replacement of ``buffer`` in ``saved``'s shape,
    for a buffer whose size is the checkpoint's.

    Args:
        saved (Tensor): The checkpoint's value, on any device.
        buffer (Tensor): The module's buffer it replaces.

    Returns:
        Tensor: Of ``saved``'s shape, on ``buffer``'s device and with
        its dtype; the module's ``_load_from_state_dict`` then copies
        ``saved`` into it.
    """
    return buffer.new_empty(saved.shape)
