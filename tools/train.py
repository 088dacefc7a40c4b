# Copyright (c) mmpfb contributors. All rights reserved.
"""Train a model with MMEngine's Runner, with mmpfb registered.

Same flags as MMSegmentation's ``tools/train.py``.
"""
import argparse
import logging

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmpfb.utils import (end_distributed, load_cli_config,
                         parse_runner_args, register_all_modules)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model with PFB')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    return parse_runner_args(parser)


def build_config(args: argparse.Namespace) -> Config:
    """The config with the command line's overrides applied."""
    cfg = load_cli_config(args.config, args.launcher, args.cfg_options,
                          args.work_dir)
    if args.amp:
        optim_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_type == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            assert optim_type == 'OptimWrapper', (
                '`--amp` is only supported when the optimizer wrapper type '
                f'is `OptimWrapper` but got {optim_type}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    cfg.resume = args.resume
    return cfg


def setup_cpu_distributed(cfg: Config) -> None:
    """Let ``--launcher pytorch`` run on machines without CUDA.

    MMEngine's launcher calls ``torch.cuda.set_device`` and wraps the
    model with ``device_ids=[LOCAL_RANK]``; without CUDA both fail. Here
    the process group is initialised with gloo from torchrun's
    environment first (MMEngine then keeps it) and the wrapper gets
    ``device_ids=None``, as DistributedDataParallel wants for CPU models.
    """
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def main() -> None:
    register_all_modules()
    cfg = build_config(parse_args())
    setup_cpu_distributed(cfg)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()
    end_distributed()


if __name__ == '__main__':
    main()
