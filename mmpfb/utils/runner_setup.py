# Copyright (c) mmpfb contributors. All rights reserved.
"""The config edits behind the options of ``tools/train.py`` and
``tools/test.py``, as MMSegmentation's tools make them, and the set-up
that lets ``--launcher pytorch`` run on CPUs."""
import logging
from datetime import timedelta
from typing import Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.dist import is_distributed
from mmengine.logging import print_log


def enable_amp(cfg: Config) -> None:
    """Train with automatic mixed precision (``--amp``).

    Args:
        cfg (Config): The config to change in place; its optimizer
            wrapper must be an ``OptimWrapper`` (it becomes an
            ``AmpOptimWrapper`` with a dynamic loss scale) or already an
            ``AmpOptimWrapper`` (left as it is, with a warning).
    """
    optim_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if optim_type == 'AmpOptimWrapper':
        print_log(
            'AMP training is already enabled in your config.',
            logger='current',
            level=logging.WARNING)
        return
    assert optim_type == 'OptimWrapper', (
        '`--amp` is only supported when the optimizer wrapper type is '
        f'`OptimWrapper` but got {optim_type}.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def apply_train_options(cfg: Config,
                        amp: bool = False,
                        resume: bool = False) -> Config:
    """Apply ``tools/train.py``'s ``--amp`` and ``--resume``.

    Args:
        cfg (Config): The config to change in place.
        amp (bool): See :func:`enable_amp`. Defaults to False.
        resume (bool): Resume from the work directory's latest
            checkpoint. Defaults to False.

    Returns:
        Config: ``cfg``.
    """
    if amp:
        enable_amp(cfg)
    cfg.resume = resume
    return cfg


def setup_cpu_distributed(cfg: Config) -> None:
    """Let ``--launcher pytorch`` run on machines without CUDA.

    MMEngine's launcher calls ``torch.cuda.set_device`` and wraps the
    model with ``device_ids=[LOCAL_RANK]``; without CUDA both fail. Here
    the process group is initialised with gloo from torchrun's
    environment first (MMEngine then keeps it) and the wrapper gets
    ``device_ids=None``, as DistributedDataParallel wants for CPU models.
    The group's timeout is ``env_cfg.dist_cfg.timeout`` (seconds), as
    MMEngine's ``init_dist`` takes it, else torch's default. With CUDA,
    or without a launcher, nothing changes.

    Args:
        cfg (Config): The config to change in place.
    """
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if not is_distributed():
        # MMEngine's init_dist takes the same timeout, in seconds
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {} if timeout is None else dict(
            timeout=timedelta(seconds=timeout))
        dist.init_process_group(backend='gloo', **kwargs)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def enable_visualization(cfg: Config,
                         show: bool = False,
                         wait_time: float = 2.,
                         show_dir: Optional[str] = None) -> None:
    """Turn on the config's visualization hook (``--show``,
    ``--show-dir``).

    Args:
        cfg (Config): The config to change in place.
        show (bool): Show each prediction in a window. Defaults to False.
        wait_time (float): Seconds each shown prediction stays.
            Defaults to 2.
        show_dir (str, optional): Where the painted predictions are
            saved. Defaults to None.

    Raises:
        RuntimeError: ``default_hooks`` has no ``visualization`` hook.
    """
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks; '
            'refer to usage "visualization=dict(type=\'VisualizationHook\')"')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    if show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = wait_time
    if show_dir:
        cfg.visualizer['save_dir'] = show_dir


def enable_tta(cfg: Config) -> None:
    """Test with the config's test-time augmentation (``--tta``): the
    ``tta_model`` wraps the model and the test set runs ``tta_pipeline``.

    Args:
        cfg (Config): The config to change in place.
    """
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


def apply_test_options(cfg: Config,
                       checkpoint: str,
                       show: bool = False,
                       wait_time: float = 2.,
                       show_dir: Optional[str] = None,
                       tta: bool = False,
                       out: Optional[str] = None) -> Config:
    """Apply ``tools/test.py``'s checkpoint and options.

    Args:
        cfg (Config): The config to change in place.
        checkpoint (str): The checkpoint to test (``load_from``).
        show (bool): See :func:`enable_visualization`. Defaults to False.
        wait_time (float): See :func:`enable_visualization`.
            Defaults to 2.
        show_dir (str, optional): See :func:`enable_visualization`.
            Defaults to None.
        tta (bool): See :func:`enable_tta`. Defaults to False.
        out (str, optional): Folder where the evaluator keeps the
            predictions as files. Defaults to None.

    Returns:
        Config: ``cfg``.
    """
    cfg.load_from = checkpoint
    if show or show_dir:
        enable_visualization(cfg, show, wait_time, show_dir)
    if tta:
        enable_tta(cfg)
    if out is not None:
        cfg.test_evaluator['output_dir'] = out
        cfg.test_evaluator['keep_results'] = True
    return cfg
