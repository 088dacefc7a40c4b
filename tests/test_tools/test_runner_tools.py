# Copyright (c) mmpfb contributors. All rights reserved.
"""tools/train.py and tools/test.py end a run they cannot start with one
line ``error: <message>`` that names the cause (a pfb value out of range,
a missing data folder and the command that makes it), and start without
the host's pkg_resources warnings."""
import subprocess
import sys
from pathlib import Path

import pytest

from mmpfb.datasets.fashion_mnist import INSTALL_COMMAND, PREPARE_COMMAND

REPO = Path(__file__).resolve().parents[2]
CLS_PFB = 'configs/demo/resnet18_pfb-p50_1xb32-10e_demo-shapes-32px.py'
SEG_PFB = 'configs/demo/deeplabv3_r18-d8_pfb-p50_1xb8-2k_demo-voc-64x64.py'
FASHION_MNIST = ('configs/fashion_mnist/'
                 'resnet18_pfb-p50_1xb128-2e_fashion-mnist.py')
BAD_PRUNE_RATIO = 'error: prune_ratio must be in [0, 1), but got 2'


def run(args, timeout=300):
    return subprocess.run([sys.executable, *map(str, args)],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=timeout)


def data_roots(root):
    return [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]


@pytest.fixture(scope='module')
def bad_train(tmp_path_factory):
    """tools/train.py on the tiny classification demo with a bad pfb
    value; the data roots name an existing folder."""
    pytest.importorskip('mmpretrain')
    tmp = tmp_path_factory.mktemp('bad_train')
    return run([
        'tools/train.py', CLS_PFB, '--work-dir', tmp / 'work', '--cfg-options',
        'model.pfb.prune_ratio=2', *data_roots(tmp)
    ])


def test_a_bad_pfb_value_is_the_last_line_and_exits_2(bad_train):
    assert bad_train.returncode == 2, bad_train.stderr[-3000:]
    assert bad_train.stderr.splitlines()[-1] == BAD_PRUNE_RATIO
    assert 'Traceback' not in bad_train.stderr


def test_a_tool_starts_without_pkg_resources_warnings(bad_train):
    # the config's mmpretrain:: base makes MMEngine import pkg_resources
    control = run([
        '-c', 'from mmengine.config import Config; '
        f'Config.fromfile({CLS_PFB!r})'
    ])
    assert control.returncode == 0, control.stderr[-3000:]
    if 'pkg_resources is deprecated' not in control.stderr:
        pytest.skip('this setuptools does not warn about pkg_resources')
    assert 'pkg_resources' not in bad_train.stderr
    assert bad_train.stderr.splitlines() == [BAD_PRUNE_RATIO]


def test_test_tool_reports_a_bad_pfb_value(tmp_path):
    pytest.importorskip('mmpretrain')
    result = run([
        'tools/test.py', CLS_PFB, tmp_path / 'none.pth', '--work-dir',
        tmp_path / 'work', '--cfg-options', 'model.pfb.prune_ratio=2',
        *data_roots(tmp_path)
    ])
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1] == BAD_PRUNE_RATIO


@pytest.mark.parametrize('tool, config, host, folder, description, command', [
    ('train.py', CLS_PFB, 'mmpretrain', 'demo_shapes', 'demo shapes data',
     "generate_demo_shapes('{root}')\""),
    ('test.py', SEG_PFB, 'mmseg', 'demo_voc', 'demo VOC data',
     "generate_demo_voc('{root}')\""),
    ('train.py', FASHION_MNIST, 'mmpretrain', 'fashion_mnist', 'Fashion-MNIST',
     f'(as root: {INSTALL_COMMAND}), then run: '
     f'{PREPARE_COMMAND} --out-dir {{root}}'),
])
def test_missing_data_names_the_folder_and_the_command(tmp_path, tool, config,
                                                       host, folder,
                                                       description, command):
    pytest.importorskip(host)
    root = tmp_path / folder
    checkpoint = [tmp_path / 'none.pth'] if tool == 'test.py' else []
    result = run([
        f'tools/{tool}', config, *checkpoint, '--work-dir', tmp_path / 'work',
        '--cfg-options', *data_roots(root)
    ])
    assert result.returncode == 1, result.stderr[-3000:]
    (line, ) = result.stderr.splitlines()
    loader = 'test' if tool == 'test.py' else 'train'
    assert line.startswith(f'error: the {description} folder {root} '
                           f'(data_root of {loader}_dataloader) does not '
                           'exist; ')
    assert line.endswith(command.format(root=root))
    # stopped before the runner was built
    assert not (tmp_path / 'work').exists()
