# Copyright (c) mmpfb contributors. All rights reserved.
"""Test (and evaluate) a checkpoint with MMEngine's Runner.

Same flags as MMSegmentation's ``tools/test.py``; ``--tta`` runs the
config's ``tta_model`` over its ``tta_pipeline`` (multi-scale + flip).
"""
import argparse

from mmengine.config import Config
from mmengine.runner import Runner

from mmpfb.utils import (end_distributed, load_cli_config,
                         parse_runner_args, register_all_modules)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation metrics')
    parser.add_argument(
        '--out', help='the dir to save the output results as files')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='dir to save the painted prediction images')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta', action='store_true', help='test time augmentation')
    return parse_runner_args(parser)


def trigger_visualization_hook(cfg: Config,
                               args: argparse.Namespace) -> Config:
    """Turn on mmseg's SegVisualizationHook for --show / --show-dir."""
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks; '
            'refer to usage "visualization=dict(type=\'VisualizationHook\')"')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if args.show_dir:
        visualizer = cfg.visualizer
        visualizer['save_dir'] = args.show_dir
    return cfg


def build_config(args: argparse.Namespace) -> Config:
    """The config with the command line's overrides applied."""
    cfg = load_cli_config(args.config, args.launcher, args.cfg_options,
                          args.work_dir)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    return cfg


def main() -> None:
    register_all_modules()
    runner = Runner.from_cfg(build_config(parse_args()))
    runner.test()
    end_distributed()


if __name__ == '__main__':
    main()
