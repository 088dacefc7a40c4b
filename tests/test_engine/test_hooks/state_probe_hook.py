# Copyright (c) mmpfb contributors. All rights reserved.
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class PFBStateProbeHook(Hook):
    """Save, per rank, what each iteration kept and the estimator state.

    Test-only: it registers in MMEngine's root registry when a test run
    imports this module (``custom_imports``), never from mmpfb itself.

    For tests of distributed runs: after training, ``work_dir`` holds
    ``pfb_probe_rank{r}.pth`` with, per iteration, the iteration, the
    losses (without the timing), the batch's image paths, the kept image
    paths, the estimator's buffers and the loss memory (None without
    ``pfb.loss_memory_weight``).
    """

    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self._model = model
        self._records = []
        self._kept = []
        original = model.decode_head.loss

        def loss(inputs, data_samples, train_cfg):
            self._kept = [s.img_path for s in data_samples]
            return original(inputs, data_samples, train_cfg)

        model.decode_head.loss = loss

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        est = self._model.blocker.estimator
        memory = self._model.blocker.loss_memory
        self._records.append(
            dict(
                iter=runner.iter,
                losses={
                    k: float(v)
                    for k, v in outputs.items() if k != 'pfb_score_time'
                },
                batch=[s.img_path for s in data_batch['data_samples']],
                kept=list(self._kept),
                centroids=est.centroids.detach().cpu().clone(),
                counts=est.counts.detach().cpu().clone(),
                memory=None
                if memory is None else memory.losses.cpu().clone()))

    def after_train(self, runner) -> None:
        path = osp.join(runner.work_dir, f'pfb_probe_rank{get_rank()}.pth')
        torch.save(self._records, path)
