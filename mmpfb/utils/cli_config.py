# Copyright (c) mmpfb contributors. All rights reserved.
import argparse
import os
import os.path as osp
from typing import Optional

import torch.distributed as dist
from mmengine.config import Config, DictAction


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add the flags every runner tool shares (``--cfg-options``,
    ``--launcher``, ``--local-rank``), parse the command line and export
    ``LOCAL_RANK`` as MMEngine's launchers expect.

    Args:
        parser (argparse.ArgumentParser): The tool's own flags.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, as key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


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
