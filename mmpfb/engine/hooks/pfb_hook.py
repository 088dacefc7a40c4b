# Copyright (c) mmpfb contributors. All rights reserved.
from typing import List, Optional, Sequence, Union

from mmengine.hooks import Hook, LoggerHook
from mmengine.model import is_model_wrapper

from mmpfb.models.blocking import PFBModelMixin
from mmpfb.registry import HOOKS, register_in_host_scopes
from mmpfb.utils.arg_checks import check_bool, check_int
from .random_state_checkpoint_hook import RandomStateCheckpointHook
from .safe_checkpoint_loader_hook import SafeCheckpointLoaderHook

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

    Before training, with ``pfb.loss_memory_weight``, it sizes the
    model's loss memory to the training data set or checks the size it
    has (configured or loaded;
    :meth:`~mmpfb.models.blocking.PFBModelMixin.fit_loss_memory`). The
    memory itself travels in the model's ``state_dict``, as do the
    estimator's own generators.

    A PFB run also needs its checkpoints loaded safely and resumed
    exactly, so the hook runs, at its own priority, a
    :class:`~mmpfb.engine.SafeCheckpointLoaderHook` (before the run) and
    a :class:`~mmpfb.engine.RandomStateCheckpointHook` (every rank's
    torch random state in each checkpoint under
    ``'pfb_torch_rng_states'``, restored on ``resume``; its warnings start
    with ``PFBHook``) of its own: each only where the runner has no hook
    of that type, which it checks before the run. Listing either hook
    beside it in a config therefore moves that job to the listed hook
    (e.g. to give it another priority) and never does it twice.

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
        check_int('begin', begin, 0)
        if end is not None and (not isinstance(end, int) or end <= begin):
            raise ValueError('end must be None or an int > begin '
                             f'({begin}), but got {end!r}')
        check_bool('by_epoch', by_epoch)
        check_int('warmup', warmup, 0)
        self.priority = priority
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch
        self.warmup = warmup
        self.target_ratio: Optional[float] = None
        self.model: Optional[PFBModelMixin] = None
        random_states = RandomStateCheckpointHook()
        random_states.name = type(self).__name__
        # the checkpoint jobs this hook does itself; before_run drops
        # those the runner has a hook of its own for
        self._checkpoint_hooks: List[Hook] = [
            SafeCheckpointLoaderHook(), random_states
        ]

    def before_run(self, runner) -> None:
        """Leave each checkpoint job to the runner's own hook for it, if
        any, and install the safe checkpoint loader unless the runner's
        :class:`SafeCheckpointLoaderHook` does."""
        self._checkpoint_hooks = [
            hook for hook in self._checkpoint_hooks if not any(
                isinstance(other, type(hook)) for other in runner.hooks)
        ]
        for hook in self._checkpoint_hooks:
            hook.before_run(runner)

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

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store every rank's torch random state with the checkpoint,
        unless the runner's :class:`RandomStateCheckpointHook` does."""
        for hook in self._checkpoint_hooks:
            hook.before_save_checkpoint(runner, checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the stored random state for the iteration it belongs to,
        unless the runner's :class:`RandomStateCheckpointHook` does."""
        for hook in self._checkpoint_hooks:
            hook.after_load_checkpoint(runner, checkpoint)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Restore a resumed random state (unless the runner's
        :class:`RandomStateCheckpointHook` does) and switch pruning for
        this iteration."""
        for hook in self._checkpoint_hooks:
            hook.before_train_iter(runner, batch_idx, data_batch)
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
        """Gather the ranks' random states (unless the runner's
        :class:`RandomStateCheckpointHook` does); on the iterations
        MMEngine logs, put the schedule and the estimator's state into the
        message hub."""
        for hook in self._checkpoint_hooks:
            hook.after_train_iter(runner, batch_idx, data_batch, outputs)
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
