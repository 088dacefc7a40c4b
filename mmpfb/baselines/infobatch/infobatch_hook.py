# Copyright (c) mmpfb contributors. All rights reserved.
import math
import time
from typing import Optional, Sequence, Tuple, Union

from mmengine.dist import all_gather_object
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from mmpfb.engine.safe_checkpoint_loader import use_safe_checkpoint_loader
from mmpfb.registry import HOOKS, register_in_host_scopes
from .infobatch_infinite_sampler import InfoBatchInfiniteSampler
from .infobatch_model_mixin import INDEX_KEY, WEIGHT_KEY, InfoBatchModelMixin
from .infobatch_sampler_mixin import InfoBatchSamplerMixin

DATA_BATCH = Optional[Union[dict, tuple, list]]
CHECKPOINT_KEY = 'infobatch'


@HOOKS.register_module()
class InfoBatchHook(Hook):
    """Drive InfoBatch: connect the sampler and the model, keep the
    learning-rate schedule on the run's full-data clock, shorten
    iteration-based runs, checkpoint the pruning state and log it.

    Per iteration the hook gives each sample of the batch its data set
    index and loss weight (metainfo ``infobatch_index`` and
    ``infobatch_weight``, from the sampler), and afterwards gathers the
    model's per-sample scores from every rank into the sampler's score
    table, so every rank holds the same table and draws the same passes.

    **Clock.** InfoBatch trains fewer iterations than the full-data run
    it replaces. The hook maps each real iteration to the full-data
    iteration it stands for (the passes' lengths give the map) and steps
    every iteration-based parameter scheduler (``by_epoch=False``,
    including ``convert_to_iter_based``) to that point after the
    parameter scheduler hook has stepped it once; so warm-ups end, and
    every schedule ends at its configured value at the last iteration.
    Epoch-based schedulers step per epoch as usual. An iteration-based
    run stops when the data of ``max_iters`` full-data iterations has
    been seen: the hook lowers the loop's ``max_iters`` to that point as
    soon as the drawn passes determine it, so the last validation and
    checkpoint still happen at the end.

    **Passes.** With :class:`InfoBatchInfiniteSampler` the hook draws
    each new pass after an iteration, on every rank from the same table,
    so that the passes cover the next batch and the data loader's
    prefetching (``num_workers * prefetch_factor`` batches).

    **Checkpoints.** The pruning state (score table, drawn passes,
    counters) goes into the checkpoint under ``'infobatch'`` and is
    restored on ``resume`` (not on ``load_from``). Passes are seeded from
    the run's seed and their index, so no generator state is needed; an
    infinite sampler's passes are all kept, and MMEngine's replay of the
    skipped iterations draws the same samples again.

    **Logs** (message hub, ``train/`` prefix): ``infobatch_pass``,
    ``infobatch_pass_ratio`` (drop fraction of the candidates),
    ``infobatch_pass_skipped`` (fraction of the data set skipped in the
    pass), ``infobatch_saved`` (fraction of the full-data iterations
    saved so far), ``infobatch_virtual_iter`` and
    ``infobatch_hook_time`` (seconds per iteration in this hook).

    Args:
        priority (int | str): Must lie between the parameter scheduler
            hook (``'LOW'``) and the checkpoint hook (``'VERY_LOW'``).
            Defaults to 80.
    """

    def __init__(self, priority: Union[int, str] = 80) -> None:
        self.priority = priority
        self._loaded: Optional[Tuple[Optional[int], Optional[dict]]] = None
        self._virtual = 0
        self._real: Optional[int] = None
        self._time = 0.0

    # -- build-time checks ---------------------------------------------
    @staticmethod
    def _unwrap(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _check(self, runner) -> None:
        sampler = runner.train_dataloader.sampler
        if not isinstance(sampler, InfoBatchSamplerMixin):
            raise TypeError(
                'InfoBatchHook needs train_dataloader.sampler of type '
                'mmpfb.InfoBatchSampler (epoch-based) or '
                'mmpfb.InfoBatchInfiniteSampler (iteration-based), but it '
                f'is {type(sampler).__name__}')
        model = self._unwrap(runner)
        if not isinstance(model, InfoBatchModelMixin):
            hint = (' (InfoBatch does not combine with PFB)' if hasattr(
                model, 'blocker') else '')
            raise TypeError(
                'InfoBatchHook needs an InfoBatch model (model type '
                'mmpfb.InfoBatchEncoderDecoder or '
                'mmpfb.InfoBatchImageClassifier), but the model is '
                f'{type(model).__name__}{hint}')
        by_iter = isinstance(runner.train_loop, IterBasedTrainLoop)
        infinite = isinstance(sampler, InfoBatchInfiniteSampler)
        if by_iter != infinite:
            raise TypeError(
                f'{type(sampler).__name__} does not fit '
                f'{type(runner.train_loop).__name__}: use '
                'mmpfb.InfoBatchInfiniteSampler with IterBasedTrainLoop '
                'and mmpfb.InfoBatchSampler with EpochBasedTrainLoop')

    def before_run(self, runner) -> None:
        """Let ``resume`` read the checkpoint safely (see
        :func:`~mmpfb.engine.use_safe_checkpoint_loader`); the pruning
        state holds tensors and builtins only."""
        use_safe_checkpoint_loader()

    def before_train(self, runner) -> None:
        """Check the parts, plan the run and restore a resumed state."""
        self._check(runner)
        loader = runner.train_dataloader
        self._sampler = loader.sampler
        self._model = self._unwrap(runner)
        self._batch_size = loader.batch_sampler.batch_size
        world = self._sampler.world_size
        self._infinite = isinstance(self._sampler, InfoBatchInfiniteSampler)
        pruner = self._sampler.pruner
        if self._infinite:
            self._max_iters = runner.max_iters
            self._stream_total = self._max_iters * self._batch_size * world
            pruner.plan(self._stream_total / pruner.num_samples)
            workers = loader.num_workers
            self._lookahead = 1 + workers * (loader.prefetch_factor or 0)
        else:
            pruner.plan(runner.max_epochs)
            full = self._sampler.full_length()
            drop_last = loader.batch_sampler.drop_last
            self._full_batches = (
                full //
                self._batch_size if drop_last else math.ceil(full /
                                                             self._batch_size))
        self._restore(runner)
        if self._infinite:
            self._draw_ahead(runner.iter)
            self._shorten(runner)

    # -- checkpoints ----------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the pruning state with the checkpoint."""
        checkpoint[CHECKPOINT_KEY] = dict(
            pruner=self._sampler.pruner.state_dict(), virtual=self._virtual)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the stored state until training starts."""
        self._loaded = (checkpoint.get('meta', {}).get('iter'),
                        checkpoint.get(CHECKPOINT_KEY))

    def _restore(self, runner) -> None:
        """Restore the state when training resumes at the checkpoint's
        iteration (``resume``), not for ``load_from``."""
        if self._loaded is None:
            return
        iteration, state = self._loaded
        self._loaded = None
        if iteration != runner.iter or runner.iter == 0:
            return
        if state is None:
            print_log(
                'InfoBatchHook: the resumed checkpoint has no InfoBatch '
                'state; the scores start empty',
                logger='current')
            return
        self._sampler.pruner.load_state_dict(state['pruner'])
        self._virtual = state['virtual']

    # -- the full-data clock -------------------------------------------
    def _draw_ahead(self, iteration: int) -> None:
        """Draw passes for the batches the loader may fetch after
        ``iteration``."""
        global_batch = self._batch_size * self._sampler.world_size
        self._sampler.draw_until((iteration + 1 + self._lookahead) *
                                 global_batch - 1)

    def _virtual_iter(self, iteration: int) -> int:
        """The full-data iteration that real ``iteration`` starts at."""
        global_batch = self._batch_size * self._sampler.world_size
        num, den = self._sampler.virtual_position(iteration * global_batch)
        return num // (den * global_batch)

    def _real_iters(self) -> Optional[int]:
        """Iterations until the data of the full-data run is seen; None
        while the drawn passes do not decide it."""
        sampler, pruner = self._sampler, self._sampler.pruner
        size = pruner.num_samples
        index, rest = divmod(self._stream_total, size)
        if rest == 0:
            index, rest = index - 1, size
        item = pruner.passes.get(index)
        if item is None:
            return None
        end = item['start'] - (-rest * len(item['order']) // size)
        global_batch = self._batch_size * sampler.world_size
        return -(-end // global_batch)

    def _shorten(self, runner) -> None:
        """Lower the loop's ``max_iters`` to the real end when known."""
        real = self._real_iters()
        if real is not None and real != runner.train_loop.max_iters:
            # the loop has no public setter; its own attribute is what
            # ``max_iters``, the last validation and the last checkpoint
            # read
            runner.train_loop._max_iters = real
        self._real = real

    def _target(self, runner, batch_idx: int) -> int:
        """Scheduler steps due before the next iteration."""
        if self._infinite:
            following = runner.iter + 1
            if self._real is not None and following >= self._real:
                return self._max_iters
            if self._real is not None and following == self._real - 1:
                return self._max_iters - 1
            return min(self._virtual_iter(following), self._max_iters - 1)
        full, epoch = self._full_batches, runner.epoch
        batches = len(runner.train_dataloader)
        if batch_idx + 1 >= batches:
            return (epoch + 1) * full
        return epoch * full + round(
            (batch_idx + 1) * (full - 1) / max(batches - 1, 1))

    @staticmethod
    def _step_schedulers(runner, steps: int) -> None:
        """Step every iteration-based scheduler ``steps`` more times.

        The schedulers' own counters cannot tell where they stand: a
        scheduler's ``last_step`` only counts the steps inside its
        ``[begin, end)``. The hook's clock can: the parameter scheduler
        hook steps each of them once per real iteration, and this hook
        the rest up to the full-data iteration.
        """
        schedulers = runner.param_schedulers
        if not schedulers or steps <= 0:
            return
        groups = (
            schedulers.values()
            if isinstance(schedulers, dict) else [schedulers])
        for group in groups:
            for scheduler in group:
                if not scheduler.by_epoch:
                    for _ in range(steps):
                        scheduler.step()

    # -- per iteration --------------------------------------------------
    def _check_identity(self, samples: list, indices: list) -> None:
        """Compare the sampler's indices with what the batch holds."""
        dataset = self._sampler.dataset
        if not hasattr(dataset, 'get_data_info'):
            return
        for sample, index in zip(samples, indices):
            meta = sample.metainfo
            key = 'sample_idx' if 'sample_idx' in meta else 'img_path'
            if key not in meta:
                continue
            expected = dataset.get_data_info(index).get(key)
            if expected != meta[key]:
                raise RuntimeError(
                    f'InfoBatch lost track of the batch: data set index '
                    f'{index} has {key}={expected!r} but the batch holds '
                    f'{meta[key]!r}; the data set indices are not stable '
                    f'({type(dataset).__name__})')

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Stamp each sample's index and weight; log the pass."""
        start = time.perf_counter()
        samples = data_batch['data_samples']
        count = runner.iter if self._infinite else batch_idx
        indices, weights, index = self._sampler.batch_entries(
            count * self._batch_size, len(samples))
        self._check_identity(samples, indices)
        for sample, sample_index, weight in zip(samples, indices, weights):
            sample.set_metainfo({INDEX_KEY: sample_index, WEIGHT_KEY: weight})
        pruner = self._sampler.pruner
        item = pruner.passes[index]
        hub = runner.message_hub
        hub.update_scalar('train/infobatch_pass', index)
        hub.update_scalar('train/infobatch_pass_ratio', item['ratio'])
        hub.update_scalar('train/infobatch_pass_skipped',
                          1 - len(item['order']) / pruner.num_samples)
        if self._virtual > 0:
            hub.update_scalar('train/infobatch_saved',
                              1 - runner.iter / self._virtual)
        hub.update_scalar('train/infobatch_virtual_iter', self._virtual)
        hub.update_scalar('train/infobatch_hook_time', self._time)
        self._time = time.perf_counter() - start

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[Sequence] = None) -> None:
        """Store every rank's scores; advance the clock."""
        start = time.perf_counter()
        indices, scores = self._model.infobatch_record
        self._model.infobatch_record = None
        gathered = all_gather_object((indices, scores.tolist()))
        for rank_indices, rank_scores in gathered:
            self._sampler.pruner.update(rank_indices, rank_scores)
        if self._infinite:
            self._draw_ahead(runner.iter + 1)
            self._shorten(runner)
        # the parameter scheduler hook has just stepped once
        target = self._target(runner, batch_idx)
        self._step_schedulers(runner, target - self._virtual - 1)
        self._virtual = target
        self._time += time.perf_counter() - start

    def after_train(self, runner) -> None:
        """Log the fraction of full-data iterations saved; leave the
        final fraction in the message hub as ``train/infobatch_saved``."""
        if self._virtual > 0:
            saved = 1 - runner.iter / self._virtual
            runner.message_hub.update_scalar('train/infobatch_saved', saved)
            print_log(
                f'InfoBatch: {runner.iter} iterations stood for '
                f'{self._virtual} full-data iterations, {saved:.1%} saved',
                logger='current')


register_in_host_scopes('HOOKS', InfoBatchHook)
