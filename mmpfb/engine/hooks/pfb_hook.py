# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Optional, Sequence, Union

import torch
from mmengine.dist import all_gather, get_comm_device, get_rank, get_world_size
from mmengine.hooks import Hook, LoggerHook
from mmengine.model import is_model_wrapper

from mmpfb.models.blocking import PFBModelMixin
from mmpfb.registry import HOOKS, register_in_host_scopes
from mmpfb.utils.generator_state import rank_states_to_restore
from mmpfb.utils.loaded_state import generator_state_on_host
from ..safe_checkpoint_loader import use_safe_checkpoint_loader

DATA_BATCH = Optional[Union[dict, tuple, list]]


@HOOKS.register_module()
class PFBHook(Hook):
    """Schedule Partial Forward Blocking over training and log its state.

    Pruning is on only while the training position (iteration, or epoch
    with ``by_epoch=True``) lies in ``[begin, end)``; outside it every
    sample is trained on and the density estimator still learns from all
    of them. An optional linear warm-up raises the ratio from
    ``target / warmup`` at ``begin`` to the model's configured ratio
    after ``warmup`` positions.

    On the iterations MMEngine's ``LoggerHook`` logs, the hook puts the
    schedule, the estimator's state and the scoring time into the message
    hub under ``train/pfb_*`` (so they reach the text and json logs and
    every visualizer backend) beside the kept count and keep ratio that
    the model returns with its losses. Only then are they copied from the
    device, which on a GPU waits for it.

    Before the run it makes MMEngine load local checkpoints through
    :func:`~mmpfb.engine.use_safe_checkpoint_loader`. Before training,
    with ``pfb.loss_memory_weight``, it sizes the model's loss memory to
    the training data set or checks the size it has (configured or
    loaded; :meth:`~mmpfb.models.blocking.PFBModelMixin.fit_loss_memory`).
    The memory itself travels in the model's ``state_dict``.

    For exact resumption the hook also stores torch's global random state
    (which dropout draws from) of every rank in each checkpoint and
    restores each rank's own before the first iteration after ``resume``.
    Only rank 0 writes checkpoints, so under several processes the hook
    gathers the ranks' states after every iteration (one small
    collective); it must run before ``CheckpointHook`` (it does at the
    default priorities). Resumed on another number of processes, the
    ranks the checkpoint lacks keep their seeded state and a warning says
    the run does not continue exactly. MMEngine re-seeds on start and
    skips the data already seen by drawing it again, so the data pipeline's
    numpy and Python random states already line up; the estimator's own
    generators travel in the model's ``state_dict``.

    Args:
        begin (int): First iteration (or epoch) with pruning.
            Defaults to 0.
        end (int, optional): First iteration (or epoch) without pruning
            again; None prunes to the end. Defaults to None.
        by_epoch (bool): Count ``begin``, ``end`` and ``warmup`` in
            epochs instead of iterations. Defaults to False.
        warmup (int): Length of the linear ratio warm-up, in the same
            unit; 0 disables it. Defaults to 0.
        priority (int | str): Hook priority. Defaults to ``'NORMAL'``.
    """

    def __init__(self,
                 begin: int = 0,
                 end: Optional[int] = None,
                 by_epoch: bool = False,
                 warmup: int = 0,
                 priority='NORMAL') -> None:
        if not isinstance(begin, int) or begin < 0:
            raise ValueError(f'begin must be an int >= 0, but got {begin!r}')
        if end is not None and (not isinstance(end, int) or end <= begin):
            raise ValueError('end must be None or an int > begin '
                             f'({begin}), but got {end!r}')
        if not isinstance(by_epoch, bool):
            raise TypeError(f'by_epoch must be a bool, but got {by_epoch!r}')
        if not isinstance(warmup, int) or warmup < 0:
            raise ValueError(f'warmup must be an int >= 0, but got {warmup!r}')
        self.priority = priority
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch
        self.warmup = warmup
        self.target_ratio: Optional[float] = None
        self._resumed_rng: Optional[tuple] = None
        self._rank_rng_states: Optional[dict] = None
        self.model: Optional[PFBModelMixin] = None

    def before_run(self, runner) -> None:
        """Let ``resume`` and ``load_from`` read MMEngine's checkpoints
        safely (see :func:`use_safe_checkpoint_loader`)."""
        use_safe_checkpoint_loader()

    def before_train(self, runner) -> None:
        """Check the model supports PFB, remember its target ratio and
        fit its loss memory to the training data set."""
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        if not isinstance(model, PFBModelMixin):
            raise TypeError(
                'PFBHook needs a model with PFB support (mmpfb.'
                'PFBEncoderDecoder or mmpfb.PFBImageClassifier), but the '
                f'model is {type(model).__name__}')
        self.model = model
        self.target_ratio = model.target_prune_ratio
        model.fit_loss_memory(runner.train_dataloader.dataset)

    def ratio_at(self, position: int) -> Optional[float]:
        """The prune ratio at ``position``; None when pruning is off."""
        if position < self.begin or (self.end is not None
                                     and position >= self.end):
            return None
        if self.warmup == 0:
            return self.target_ratio
        done = min(1.0, (position - self.begin + 1) / self.warmup)
        return self.target_ratio * done

    @staticmethod
    def _rng_states() -> dict:
        """This process's torch random states, with a leading rank axis."""
        state = dict(cpu=torch.get_rng_state()[None])
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state()[None]
        return state

    def _gather_rng_states(self) -> None:
        """Every rank's random states, kept on the communication device
        for the next checkpoint (only rank 0 saves one)."""
        device = get_comm_device()
        self._rank_rng_states = {
            k: torch.cat(all_gather(v.to(device)))
            for k, v in self._rng_states().items()
        }

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store every rank's torch random state with the checkpoint."""
        state = self._rng_states()
        if self._rank_rng_states is not None:
            # other ranks as of the end of the iteration, this rank now
            state = {
                k: torch.cat([state[k], v[1:].cpu()])
                for k, v in self._rank_rng_states.items()
            }
        checkpoint['pfb_torch_rng_states'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the stored random state for the iteration it belongs to."""
        state = checkpoint.get('pfb_torch_rng_states')
        if state is not None:
            self._resumed_rng = (checkpoint['meta'].get('iter'), state)

    def _restore_rng(self, runner) -> None:
        """Restore this rank's random state when training goes on from
        where the checkpoint was saved (resume), not for ``load_from``."""
        iteration, state = self._resumed_rng
        self._resumed_rng = None
        if iteration != runner.iter:
            return
        rank = get_rank()
        own = rank_states_to_restore(
            state['cpu'],
            'PFBHook: the checkpoint holds the torch random states',
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
        """Switch pruning for this iteration."""
        if self._resumed_rng is not None:
            self._restore_rng(runner)
        position = runner.epoch if self.by_epoch else runner.iter
        ratio = self.ratio_at(position)
        if ratio is None:
            self.model.set_pruning(enabled=False)
        else:
            self.model.set_pruning(enabled=True, prune_ratio=ratio)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[Sequence] = None) -> None:
        """Gather the ranks' random states; on the iterations MMEngine
        logs, put the schedule and the estimator's state into the message
        hub."""
        if get_world_size() > 1:
            self._gather_rng_states()
        if not self._logs_after(runner, batch_idx):
            return
        # the summary's device values come to the host here, once
        for key, value in self.model.pruning_summary().items():
            runner.message_hub.update_scalar(f'train/pfb_{key}', value)

    def _logs_after(self, runner, batch_idx: int) -> bool:
        """Whether MMEngine's ``LoggerHook`` writes the training logs
        after this iteration (its own rule); every iteration when the
        runner has none."""
        logger = next((h for h in runner.hooks if isinstance(h, LoggerHook)),
                      None)
        if logger is None:
            return True
        return self.every_n_inner_iters(batch_idx, logger.interval) or (
            self.end_of_epoch(runner.train_dataloader, batch_idx) and
            (not logger.ignore_last
             or len(runner.train_dataloader) <= logger.interval))


register_in_host_scopes('HOOKS', PFBHook)
