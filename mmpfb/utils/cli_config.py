# Copyright (c) mmpfb contributors. All rights reserved.
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

import torch.distributed as dist
from mmengine.config import Config, DictAction


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add the flags every runner tool shares: ``--cfg-options``,
    ``--launcher`` and ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='Override settings of the config, as key=value pairs (e.g. '
        'model.pfb.prune_ratio=0.3).')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='The job launcher; none runs one process. Defaults to none.')
    parser.add_argument(
        '--local_rank',
        '--local-rank',
        type=int,
        default=0,
        help='The rank of this process on its machine, set by launchers '
        'that do not export LOCAL_RANK. Defaults to 0.')


def parse_runner_args(
        parser: argparse.ArgumentParser,
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Add the flags every runner tool shares (:func:`add_runner_args`),
    parse the command line and export ``LOCAL_RANK`` as MMEngine's
    launchers expect.

    Args:
        parser (argparse.ArgumentParser): The tool's own flags.
        argv (Sequence[str], optional): The arguments. Defaults to None:
            the command line's.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    add_runner_args(parser)
    args = parser.parse_args(argv)
    export_local_rank(args.local_rank)
    return args


def export_local_rank(local_rank: int) -> None:
    """Export ``--local-rank`` as ``LOCAL_RANK`` unless the launcher has.

    Args:
        local_rank (int): The parsed ``--local-rank``.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(local_rank)


def load_cli_config(path: str,
                    launcher: str = 'none',
                    cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None) -> Config:
    """A config with the overrides that the training and test tools share.

    Args:
        path (str): Config file.
        launcher (str): Job launcher. Defaults to ``'none'``.
        cfg_options (dict, optional): ``--cfg-options`` pairs.
            Defaults to None.
        work_dir (str, optional): ``--work-dir``; without it and without
            ``work_dir`` in the config, ``./work_dirs/<config name>``.
            Defaults to None.

    Returns:
        Config: The config.
    """
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def end_distributed() -> None:
    """End the default process group, if there is one, as a tool's last
    step, once every rank has reached it: a rank that tears its group
    down while another still works in it (or leaves it to the
    interpreter's exit) can abort."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
