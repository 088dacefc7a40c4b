# Copyright (c) mmpfb contributors. All rights reserved.
"""The random streams of the PFB step, and their checkpoints."""
import torch
import torch.nn as nn
from mmengine.dist import get_rank, get_world_size, is_distributed
from torch import Tensor

from mmpfb.utils.generator_state import rank_states_to_restore
from mmpfb.utils.loaded_state import empty_buffer_like, generator_state_on_host
from .distributed import all_gather_rows, broadcast_generator_state


class RandomStreams(nn.Module):
    """The two CPU generators every random draw of the PFB step comes
    from (``docs/design.md`` 2).

    - :attr:`shared` shapes the state every rank holds alike (the order
      in which kept samples fill the estimator's free centroid slots):
      all ranks advance it identically, from rank 0's state
      (:meth:`sync_shared`).
    - :attr:`local` gives the per-rank draws: the rounding draw of the
      kept count, the ranking's random term, the random and sampled
      criteria. It is seeded with ``seed + 1 + rank``.

    Both states are saved in the ``state_dict`` as the uint8 buffers
    ``shared_generator_state`` and ``local_generator_states``, the latter
    with one row per rank: every :meth:`gather_rows` (each training step,
    on every rank) gathers the ranks' local states with the kept rows, so
    the state_dict that rank 0 saves holds all of them (nothing draws
    from a local generator between a step's gather and the next step).
    Loading restores each rank's own row; a checkpoint of another number
    of ranks logs a warning, and ranks it lacks keep their seeded state
    (:func:`~mmpfb.utils.generator_state.rank_states_to_restore`).

    Args:
        seed (int, optional): The seed; None takes
            ``torch.initial_seed()`` (MMEngine's ``randomness.seed``).
            Defaults to None.
    """

    #: The attributes that hold a ``torch.Generator``.
    GENERATORS = ('shared', 'local')
    #: The buffers that hold their states.
    STATE_KEYS = ('shared_generator_state', 'local_generator_states')

    def __init__(self, seed=None) -> None:
        super().__init__()
        if seed is None:
            seed = torch.initial_seed()
        self._seed = seed
        self.shared = torch.Generator().manual_seed(seed)
        self.local = self._seeded_local(get_rank())
        self._shared_synced = False
        self.register_buffer('shared_generator_state', self.shared.get_state())
        # row r: rank r's local generator state (each rank's seeded
        # state until the first gather)
        self.register_buffer(
            'local_generator_states',
            torch.stack([
                self._seeded_local(r).get_state()
                for r in range(get_world_size())
            ]))

    def _seeded_local(self, rank: int) -> torch.Generator:
        return torch.Generator().manual_seed(self._seed + 1 + rank)

    def sync_shared(self, device: torch.device) -> None:
        """Give every rank rank 0's shared state, once per run (and once
        after each load); ``device`` is where the collective runs."""
        if not self._shared_synced:
            broadcast_generator_state(self.shared, device)
            self._shared_synced = True

    def gather_rows(self, x: Tensor) -> Tensor:
        """Every rank's rows of ``x`` (counts may differ), in rank order;
        ``x`` itself without a process group.

        The ranks' local generator states travel with the row counts and
        land in ``local_generator_states`` (on the buffer's device; read
        only when saved). The first call also syncs :attr:`shared`.
        """
        if not is_distributed():
            return x
        self.sync_shared(x.device)
        rows, states = all_gather_rows(x, self.local.get_state())
        self.local_generator_states = states.to(
            self.local_generator_states.device)
        return rows

    def __getstate__(self) -> dict:
        # torch 2.1 can neither pickle nor deep-copy a torch.Generator
        # (copy.deepcopy of a model, spawned processes): the copy carries
        # each generator's state and builds its own
        state = dict(super().__getstate__())
        for name in self.GENERATORS:
            state[name] = state[name].get_state()
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for name in self.GENERATORS:
            generator = torch.Generator()
            generator.set_state(state[name])
            state[name] = generator
        super().__setstate__(state)

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        # the states travel as uint8 buffers: every value of a
        # state_dict must be a tensor (MMEngine broadcasts them all).
        # Other ranks' rows are as of the last gather; this rank's is now.
        device = self.local_generator_states.device
        self.shared_generator_state = self.shared.get_state().to(device)
        rank = get_rank()
        if rank < self.local_generator_states.size(0):
            self.local_generator_states[rank] = self.local.get_state().to(
                device)
        super()._save_to_state_dict(destination, prefix, keep_vars)

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        key = prefix + 'local_generator_states'
        saved = state_dict.get(key)
        if saved is not None:
            # the number of rows is the saving run's world size
            self.local_generator_states = empty_buffer_like(
                saved, self.local_generator_states)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if prefix + 'shared_generator_state' in state_dict:
            self.shared.set_state(
                generator_state_on_host(self.shared_generator_state))
            self._shared_synced = False
        if saved is not None:
            self._restore_local(saved, key)

    def _restore_local(self, saved: Tensor, key: str) -> None:
        """Each rank takes its own row; rows the checkpoint lacks are the
        seeded states."""
        rows = rank_states_to_restore(
            saved, f'PFB: {key} holds the local generator states',
            get_world_size())
        rows = [
            self._seeded_local(r).get_state() if row is None else row
            for r, row in enumerate(rows)
        ]
        self.local.set_state(rows[get_rank()])
        self.local_generator_states = torch.stack(rows).to(
            self.local_generator_states.device)
