# Copyright (c) mmpfb contributors. All rights reserved.
import argparse
import os
import sys

import pytest
import torch.distributed as dist

from mmpfb.utils import cli_config
from mmpfb.utils.cli_config import (end_distributed, load_cli_config,
                                    parse_runner_args)
from ..gloo_processes import run_on_ranks


def test_overrides_and_default_work_dir(tmp_path):
    path = tmp_path / 'my_config.py'
    path.write_text('model = dict(a=1)\n')
    cfg = load_cli_config(str(path), 'pytorch', {'model.a': 2})
    assert cfg.launcher == 'pytorch' and cfg.model.a == 2
    assert cfg.work_dir == './work_dirs/my_config'
    cfg = load_cli_config(str(path), work_dir='/tmp/wd')
    assert cfg.work_dir == '/tmp/wd' and cfg.launcher == 'none'


def test_runner_args_are_shared_and_export_local_rank(monkeypatch):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    monkeypatch.setattr(sys, 'argv', [
        'tool', 'cfg.py', '--launcher', 'pytorch', '--local-rank', '3',
        '--cfg-options', 'model.a=2'
    ])
    args = parse_runner_args(parser)
    assert args.config == 'cfg.py' and args.launcher == 'pytorch'
    assert args.cfg_options == {'model.a': 2}
    assert os.environ['LOCAL_RANK'] == '3'


def test_end_distributed_ends_the_group_and_is_a_no_op_without(
        tmp_path, monkeypatch):
    end_distributed()  # no group: nothing to do
    dist.init_process_group(
        'gloo',
        init_method=f'file://{tmp_path / "store"}',
        rank=0,
        world_size=1)
    assert dist.is_initialized()
    calls = []
    monkeypatch.setattr(cli_config.faulthandler, 'dump_traceback_later',
                        lambda timeout, exit: calls.append(('arm', exit)))
    monkeypatch.setattr(cli_config.faulthandler, 'cancel_dump_traceback_later',
                        lambda: calls.append('disarm'))
    end_distributed()
    assert not dist.is_initialized()
    # the teardown ran under the fault handler's watchdog
    assert calls == [('arm', True), 'disarm']


def end_on_rank(rank, lost):
    if lost and rank == 1:
        return  # this rank never reaches the teardown
    if lost:
        with pytest.raises(RuntimeError, match='Ranks? 1 failed'):
            end_distributed(timeout=2)
    else:
        end_distributed(timeout=60)
        assert not dist.is_initialized()


@pytest.mark.two_processes
@pytest.mark.parametrize('lost', [False, True], ids=['both', 'lost'])
def test_two_ranks_end_together_or_name_the_lost_one(tmp_path, lost):
    run_on_ranks(end_on_rank, tmp_path, lost)
