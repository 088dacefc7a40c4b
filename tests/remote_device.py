# Copyright (c) mmpfb contributors. All rights reserved.
"""Checkpoint state that arrived on a GPU, on a machine without one.

On a GPU, MMEngine's ``Runner.resume`` loads a checkpoint with
``map_location='cuda'``, so each of its tensors arrives on the GPU.
:class:`RemoteTensor` stands in for such a tensor: it reports another
device than the CPU and keeps its values on the CPU. The device it
reports is ``meta``: one that reported ``cuda`` would make torch
initialise CUDA (Python indexing does), which fails without a GPU.
torch's own checks read the reported device, so the random state setters
refuse it as they refuse a CUDA tensor (``RNG state must be a
torch.ByteTensor``), and the ops on it follow torch's device rules for a
CUDA tensor:

- ``.to()``, ``.cpu()`` and ``copy_`` move values between the devices;
- other ops must not mix it with CPU tensors, except CPU scalars (0-dim);
  their results stay on the remote device;
- a remote tensor may be indexed with CPU indices, a CPU tensor not with
  remote ones.

torch makes the Python numbers given to ``torch.where`` and to indexed
assignment into scalars on the device of the tensor they meet; on the
reported device they would be meta tensors without a value, so those two
get CPU scalars instead, which torch lets meet CUDA tensors. Any other op
that meets such a valueless scalar raises instead of computing garbage.
"""
import torch
from torch.utils._pytree import tree_flatten, tree_map

REMOTE = torch.device('meta')
ATEN = torch.ops.aten
INDEXING = (ATEN.index.Tensor, ATEN.index_put.default, ATEN.index_put_.default,
            ATEN._index_put_impl_.default)


class RemoteTensor(torch.Tensor):
    """A tensor on the remote device; see the module's docstring.

    Args:
        host_values (Tensor): Its values, a CPU tensor.
    """

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.where, torch.Tensor.__setitem__):
            args = tuple(
                torch.tensor(x) if isinstance(x, (bool, int, float)) else x
                for x in args)
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **(kwargs or {}))

    @staticmethod
    def __new__(cls, host_values):
        return torch.Tensor._make_wrapper_subclass(
            cls,
            host_values.shape,
            strides=host_values.stride(),
            storage_offset=host_values.storage_offset(),
            dtype=host_values.dtype,
            device=REMOTE)

    def __init__(self, host_values):
        self.host_values = host_values

    def __repr__(self):
        return f'RemoteTensor({self.host_values!r})'

    def tolist(self):
        return self.host_values.tolist()

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        _check_devices(func, args, kwargs)
        out = func(*_host(args), **_host(kwargs))
        if func is ATEN.copy_.default:
            return args[0]
        if func is ATEN._to_copy.default:
            target = kwargs.get('device')
            remote = (
                isinstance(args[0], RemoteTensor) if target is None else
                torch.device(target).type == REMOTE.type)
        else:
            remote = True  # an input is remote
        return tree_map(
            lambda x: RemoteTensor(x)
            if remote and isinstance(x, torch.Tensor) else x, out)


def _host(tree):
    return tree_map(
        lambda x: x.host_values if isinstance(x, RemoteTensor) else x, tree)


def _device(x: torch.Tensor) -> torch.device:
    return REMOTE if isinstance(x, RemoteTensor) else x.device


def _check_devices(func, args, kwargs) -> None:
    """Raise as torch does for CUDA tensors mixed with CPU tensors."""
    if any(
            isinstance(x, torch.Tensor) and not isinstance(x, RemoteTensor)
            and x.is_meta for x in tree_flatten((args, kwargs))[0]):
        raise NotImplementedError(
            f'{func}: an operand is a meta tensor that torch made for a '
            'RemoteTensor; it has no value to emulate a CUDA one with')
    if func in (ATEN._to_copy.default, ATEN.copy_.default):
        return
    if func in INDEXING:
        self, indices = args[0], args[1]
        if not isinstance(self, RemoteTensor) and any(
                isinstance(i, RemoteTensor) for i in indices):
            raise RuntimeError(
                'indices should be either on cpu or on the same device as '
                f'the indexed tensor ({self.device})')
        args = (self, ) + tuple(args[2:])  # CPU indices are allowed
    devices = {
        str(_device(x))
        for x in tree_flatten((args, kwargs))[0]
        if isinstance(x, torch.Tensor) and
        (isinstance(x, RemoteTensor) or x.dim() > 0)  # CPU scalars mix
    }
    if len(devices) > 1:
        raise RuntimeError('Expected all tensors to be on the same device, '
                           'but found at least two devices, '
                           f'{" and ".join(sorted(devices))}!')


def on_remote_device(state):
    """``state`` with each tensor in it (nested in dicts, lists and
    tuples) on the remote device, as ``torch.load`` with
    ``map_location='cuda'`` gives it; a state dict keeps its
    ``_metadata``."""
    if isinstance(state, torch.Tensor):
        return RemoteTensor(state)
    if isinstance(state, dict):
        out = type(state)(
            (key, on_remote_device(value)) for key, value in state.items())
        if hasattr(state, '_metadata'):
            out._metadata = state._metadata
        return out
    if isinstance(state, (list, tuple)):
        return type(state)(on_remote_device(value) for value in state)
    return state


def load_to_remote_device(monkeypatch) -> None:
    """Make ``torch.load`` put every tensor on the remote device, as
    MMEngine's ``Runner.resume`` on a GPU does (for the rest of the test).
    """
    load = torch.load
    monkeypatch.setattr(
        torch, 'load',
        lambda *args, **kwargs: on_remote_device(load(*args, **kwargs)))
