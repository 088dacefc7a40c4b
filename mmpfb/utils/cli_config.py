# Copyright (c) mmpfb contributors. All rights reserved.
import argparse
import faulthandler
import os
import os.path as osp
from datetime import timedelta
from typing import Optional, Sequence

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.dist import is_distributed


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


def end_distributed(timeout: Optional[float] = None,
                    teardown_timeout: float = 60.) -> None:
    """End the default process group, if there is one, as a tool's last
    step, once every rank has reached it: a rank that tears its group
    down while another still works in it (or leaves it to the
    interpreter's exit) can abort.

    The ranks meet in a barrier that fails instead of hanging when a rank
    never comes: with gloo a monitored barrier, whose error names the
    missing rank, after ``timeout``; with NCCL ``barrier()``, bounded by
    the group's own timeout (MMEngine's ``env_cfg.dist_cfg.timeout``).
    Not gloo's ``barrier()``: its work holds the collectives before it,
    and when a gloo worker thread drops the last reference to their
    tensors it needs the GIL, which ``destroy_process_group`` holds while
    it joins that thread. torch 2.1 deadlocked so (the native stacks of a
    hung run: ``~ProcessGroupGloo`` in ``std::thread::join``, a worker in
    ``gil_scoped_acquire`` under ``~AsyncBarrierWork``); a monitored
    barrier runs its send and receive on the calling thread. Should the
    teardown still not end within ``teardown_timeout``, the fault handler
    prints every thread's stack and ends the process with status 1.

    Args:
        timeout (float, optional): Seconds the gloo barrier waits for the
            other ranks; None: the group's timeout. Defaults to None.
        teardown_timeout (float): Seconds ``destroy_process_group`` may
            take. Defaults to 60.
    """
    if not is_distributed():
        return
    if dist.get_backend() == dist.Backend.GLOO:
        dist.monitored_barrier(
            timeout=None if timeout is None else timedelta(seconds=timeout),
            wait_all_ranks=True)
    else:
        dist.barrier()
    faulthandler.dump_traceback_later(teardown_timeout, exit=True)
    dist.destroy_process_group()
    faulthandler.cancel_dump_traceback_later()
