# Copyright (c) mmpfb contributors. All rights reserved.
import os
import os.path as osp
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from mmpfb.datasets.fashion_mnist import INSTALL_COMMAND, PREPARE_COMMAND
from mmpfb.experiments.datasets import demo_shapes, demo_voc, fashion_scenes
from mmpfb.utils import MissingDataError, check_data_roots
from mmpfb.utils.data_roots import DATA_RECIPES, find_recipe, missing_data
from ..test_datasets.test_fashion_mnist.utils import write_fashion_mnist

REPO = Path(__file__).resolve().parents[2]
TRAIN = ('train_dataloader', 'val_dataloader')
GENERATE_ONLY = 'to generate only the data, run: '


def run_command(args, cwd):
    """Run a command that a message names, with this Python as python."""
    path = os.pathsep.join([osp.dirname(sys.executable), os.environ['PATH']])
    env = dict(os.environ, PATH=path, PYTHONPATH=str(REPO))
    subprocess.run(args, cwd=cwd, env=env, check=True, timeout=300)


def loaders_cfg(root, **dataset):
    dataset = dict(type='Any', data_root=str(root), **dataset)
    return Config(
        dict(
            train_dataloader=dict(dataset=dataset),
            val_dataloader=dict(dataset=dataset),
            test_dataloader=None))


def test_markers_are_the_generators_stamp_files():
    recipes = {recipe.folder: recipe.markers for recipe in DATA_RECIPES}
    assert recipes['demo_voc'] == (demo_voc.STAMP_FILE, )
    assert recipes['demo_shapes'] == (demo_shapes.STAMP_FILE, )
    assert recipes['fashion_scenes'] == (fashion_scenes.STAMP_FILE, )
    assert set(recipes['fashion_mnist']) == {
        'train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
        't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'
    }


@pytest.mark.parametrize('root, folder', [
    ('data/demo_voc', 'demo_voc'),
    ('/elsewhere/demo_shapes/', 'demo_shapes'),
    ('data/fashion_mnist', 'fashion_mnist'),
    ('data/my_voc', None),
    ('data/demo_voc_small', None),
])
def test_recipes_are_found_by_the_folder_name(root, folder):
    recipe = find_recipe(root)
    assert (recipe and recipe.folder) == folder


def test_the_demo_command_in_the_message_makes_the_data(tmp_path):
    cfg = loaders_cfg('data/demo_voc')
    with pytest.raises(MissingDataError) as info:
        # a relative root, as in the configs, from the working directory
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(tmp_path)
            check_data_roots(cfg, TRAIN)
    message = str(info.value)
    assert info.value.exit_code == 1
    assert message.startswith('the demo VOC data folder data/demo_voc '
                              '(data_root of train_dataloader) does not '
                              'exist; python tools/run_demo.py generates it')
    # train and val share the folder: one message
    assert message.count('data/demo_voc (') == 1
    command = message.split(GENERATE_ONLY)[1]
    run_command(shlex.split(command), tmp_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        check_data_roots(cfg, TRAIN)


def test_an_unfinished_folder_names_what_it_lacks(tmp_path):
    root = tmp_path / 'demo_shapes'
    (root / 'train').mkdir(parents=True)
    (message, ) = missing_data(loaders_cfg(root), TRAIN)
    assert f'folder {root} (data_root of train_dataloader) lacks ' \
        'demo_shapes.json;' in message
    # not the default folder: the commands write to this one
    assert f'python tools/run_demo.py --task cls --data-root {root} ' \
        'generates it' in message
    assert message.endswith(f"generate_demo_shapes('{root}')\"")


def test_fashion_mnist_names_the_install_and_prepare_commands(tmp_path):
    root = tmp_path / 'fashion_mnist'
    (message, ) = missing_data(loaders_cfg(root), TRAIN)
    assert f'Fashion-MNIST folder {root} (data_root of ' \
        'train_dataloader) does not exist' in message
    assert f'(as root: {INSTALL_COMMAND})' in message
    command = f'{PREPARE_COMMAND} --out-dir {root}'
    assert message.endswith(f'then run: {command}')
    # the command fills the folder (here from a tiny source folder)
    src = tmp_path / 'src'
    src.mkdir()
    split = (np.zeros((2, 28, 28), np.uint8), np.array([0, 1], np.uint8))
    write_fashion_mnist(str(src), dict(train=split, test=split))
    run_command(shlex.split(command) + ['--src', str(src)], REPO)
    assert missing_data(loaders_cfg(root), TRAIN) == []


@pytest.mark.parametrize('root', ['data/fashion_mnist', 'data/fashion_mnist/'])
def test_the_default_folder_needs_no_flag(root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (message, ) = missing_data(loaders_cfg(root), TRAIN)
    assert message.endswith(f'then run: {PREPARE_COMMAND}')


def test_other_folders_and_downloads_are_left_to_the_hosts(tmp_path):
    assert missing_data(loaders_cfg(tmp_path / 'my_data'), TRAIN) == []
    assert missing_data(
        loaders_cfg(tmp_path / 'fashion_mnist', download=True), TRAIN) == []
    # loaders the run does not build are not checked
    assert missing_data(
        loaders_cfg(tmp_path / 'demo_voc'), ('test_dataloader', )) == []
    assert missing_data(Config(dict()), TRAIN) == []


def test_wrapped_datasets_are_checked(tmp_path):
    inner = dict(type='Any', data_root=str(tmp_path / 'demo_voc'))
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(type='RepeatDataset', times=2, dataset=inner),
                        dict(type='Any', data_root=str(tmp_path))
                    ]))))
    (message, ) = missing_data(cfg, TRAIN)
    assert f'demo VOC data folder {tmp_path / "demo_voc"}' in message
