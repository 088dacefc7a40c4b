# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Optional, Sequence, Union

import torch
from mmengine.dist import all_gather, get_comm_device, get_rank, get_world_size
from mmengine.hooks import Hook

from mmpfb.registry import HOOKS, register_in_host_scopes
from mmpfb.utils.generator_state import rank_states_to_restore
from mmpfb.utils.loaded_state import generator_state_on_host

DATA_BATCH = Optional[Union[dict, tuple, list]]

#: Where the states go in a checkpoint: the key ``PFBHook`` has always
#: written, so its checkpoints resume with this hook and the other way
#: round.
CHECKPOINT_KEY = 'pfb_torch_rng_states'


@HOOKS.register_module()
class RandomStateCheckpointHook(Hook):
    """Save every rank's torch random state with each checkpoint and
    restore it on resume.

    MMEngine seeds torch's global random generators when a run starts,
    also when it resumes, so whatever draws from them (dropout, random
    augmentations on the device) draws otherwise after ``resume`` than
    the uninterrupted run would. This hook stores torch's global random
    state (the CPU's and, where CUDA is available, the current CUDA
    device's) of every rank in each checkpoint under
    ``'pfb_torch_rng_states'`` (``cpu``, ``cuda``: one row per rank) and
    restores each rank's own row before the first iteration after
    ``resume``; ``load_from`` alone leaves the seeded state.

    Only rank 0 writes checkpoints, so under several processes the hook
    gathers the ranks' states after every iteration (one small
    collective) and must run before ``CheckpointHook`` (it does at the
    default priorities). Resumed on another number of processes, the
    ranks the checkpoint lacks keep their seeded state and a warning says
    the run does not continue exactly. MMEngine skips the data already
    seen by drawing it again, so the data pipeline's numpy and Python
    random states already line up.

    It works in any config, e.g.
    ``custom_hooks = [dict(type='mmpfb.RandomStateCheckpointHook')]``.
    :class:`~mmpfb.engine.PFBHook` does the same for a runner that has no
    such hook, so a PFB config needs it only to choose its priority.

    Args:
        priority (int | str): Hook priority; above ``CheckpointHook``'s.
            Defaults to ``'NORMAL'``.

    Attributes:
        name (str): What its warnings start with: its class name, or
            that of the hook that runs it for itself.
    """

    def __init__(self, priority='NORMAL') -> None:
        self.priority = priority
        self.name = type(self).__name__
        self._resumed: Optional[tuple] = None
        self._rank_states: Optional[dict] = None

    @staticmethod
    def _states() -> dict:
        """This process's torch random states, with a leading rank axis."""
        state = dict(cpu=torch.get_rng_state()[None])
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state()[None]
        return state

    def _gather(self) -> None:
        """Every rank's random states, kept on the communication device
        for the next checkpoint (only rank 0 saves one)."""
        device = get_comm_device()
        self._rank_states = {
            k: torch.cat(all_gather(v.to(device)))
            for k, v in self._states().items()
        }

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store every rank's torch random state with the checkpoint."""
        state = self._states()
        if self._rank_states is not None:
            # other ranks as of the end of the iteration, this rank now
            state = {
                k: torch.cat([state[k], v[1:].cpu()])
                for k, v in self._rank_states.items()
            }
        checkpoint[CHECKPOINT_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the stored random state for the iteration it belongs to."""
        state = checkpoint.get(CHECKPOINT_KEY)
        if state is not None:
            self._resumed = (checkpoint['meta'].get('iter'), state)

    def _restore(self, runner) -> None:
        """Restore this rank's random state when training goes on from
        where the checkpoint was saved (resume), not for ``load_from``."""
        iteration, state = self._resumed
        self._resumed = None
        if iteration != runner.iter:
            return
        rank = get_rank()
        own = rank_states_to_restore(
            state['cpu'],
            f'{self.name}: the checkpoint holds the torch random states',
            get_world_size())[rank]
        if own is None:
            return
        torch.set_rng_state(own)
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state(
                generator_state_on_host(state['cuda'][rank]))

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Restore the resumed random state before the first iteration."""
        if self._resumed is not None:
            self._restore(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[Sequence] = None) -> None:
        """Gather the ranks' random states under several processes."""
        if get_world_size() > 1:
            self._gather()


register_in_host_scopes('HOOKS', RandomStateCheckpointHook)
