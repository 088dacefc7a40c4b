# Copyright (c) mmpfb contributors. All rights reserved.
import os.path as osp
from typing import Optional

from mmengine.config import Config


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
