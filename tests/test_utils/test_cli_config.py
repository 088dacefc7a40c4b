# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils import load_cli_config


def test_overrides_and_default_work_dir(tmp_path):
    path = tmp_path / 'my_config.py'
    path.write_text('model = dict(a=1)\n')
    cfg = load_cli_config(str(path), 'pytorch', {'model.a': 2})
    assert cfg.launcher == 'pytorch' and cfg.model.a == 2
    assert cfg.work_dir == './work_dirs/my_config'
    cfg = load_cli_config(str(path), work_dir='/tmp/wd')
    assert cfg.work_dir == '/tmp/wd' and cfg.launcher == 'none'
