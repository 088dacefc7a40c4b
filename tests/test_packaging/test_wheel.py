# Copyright (c) mmpfb contributors. All rights reserved.
"""The built wheel, installed outside the repository, as a user gets it.

The wheel is built from a copy of the repository (so no ``build/`` left
over from an earlier build can leak into it), installed with
``pip install --target`` into a temporary folder, and used from another
temporary folder in a subprocess whose ``PYTHONPATH`` is that folder
alone: the repository and its editable install are out of reach there.
"""
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest
import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# what a clone may hold besides its sources; none of it belongs in a build
NOT_SOURCES = ('.git', '.venv', 'build', 'dist', 'data', 'work_dirs',
               '__pycache__', '*.egg-info', '.pytest_cache', '*.pyc')


def pip(*args: str) -> None:
    subprocess.run([
        sys.executable, '-m', 'pip', '--disable-pip-version-check',
        '--no-input', '-q', *args
    ],
                   check=True)


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """Path of the wheel built from a copy of the repository."""
    src = tmp_path_factory.mktemp('src') / 'mmpfb'
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    out = tmp_path_factory.mktemp('wheel')
    pip('wheel', '--no-deps', '--no-build-isolation', '--no-index', '-w',
        str(out), str(src))
    (path, ) = out.glob('mmpfb-*.whl')
    return path


@pytest.fixture(scope='module')
def target(wheel, tmp_path_factory):
    """A folder the wheel is installed into, as if it were site-packages."""
    path = tmp_path_factory.mktemp('site')
    pip('install', '--no-deps', '--no-index', '--target', str(path),
        str(wheel))
    return path


def repo_files(folder: str, suffixes: tuple) -> set:
    """Files below ``REPO/folder`` with one of ``suffixes``, relative."""
    found = set()
    for root, dirs, files in os.walk(osp.join(REPO, folder)):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        found.update(
            osp.relpath(osp.join(root, f), REPO) for f in files
            if f.endswith(suffixes))
    return found


def test_wheel_holds_mmpfb_and_its_mim_files_only(wheel):
    version = wheel.name.split('-')[1]
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        top_level = whl.read(f'mmpfb-{version}.dist-info/top_level.txt')
        index = yaml.safe_load(whl.read('mmpfb/.mim/model-index.yml'))
        metafiles = [
            yaml.safe_load(whl.read(f'mmpfb/.mim/{path}'))
            for path in index['Import']
        ]
    top = {n.split('/')[0] for n in names}
    assert top == {'mmpfb', f'mmpfb-{version}.dist-info'}
    assert top_level.decode().split() == ['mmpfb']
    assert not [n for n in names if n.endswith('.pyc')]

    mim = {n[len('mmpfb/.mim/'):] for n in names if '/.mim/' in n}
    shipped_configs = {n for n in mim if n.startswith('configs/')}
    assert shipped_configs == repo_files('configs', ('.py', '.yml'))
    assert len(shipped_configs) > 20
    assert {'tools/train.py', 'tools/test.py', 'tools/dist_train.sh'} <= mim
    assert 'tools/setup_env.sh' not in mim
    # the metafiles name every leaf config, each at its shipped path, so
    # ``mim search mmpfb`` lists them all
    listed = [m['Config'] for meta in metafiles for m in meta['Models']]
    leaves = {
        c
        for c in shipped_configs if c.endswith('.py') and '_base_' not in c
    }
    assert sorted(listed) == sorted(leaves)


# A user's configs whose base is an ``mmpfb::`` config, per host:
# (base, model type, the base's pfb.block_stage)
USER_BASES = {
    'mmseg': ('pfb/deeplabv3_r50-d8_pfb-p70_4xb4-36k_voc12aug-512x512.py',
              'PFBEncoderDecoder', 3),
    'mmpretrain':
    ('pfb/resnet18_pfb-p30_1xb128-200e_cifar10.py', 'PFBImageClassifier', 1),
}
# Run in the subprocess for each base given: write the user's config,
# load it, build its model and tell where everything came from.
USER_SCRIPT = textwrap.dedent('''
    import json, sys
    import mmpfb
    from mmengine.config import Config
    from mmengine.hub import get_config
    from mmengine.registry import MODELS, init_default_scope

    for base in sys.argv[1:]:
        with open('my_config.py', 'w') as f:
            f.write(f"_base_ = 'mmpfb::{base}'\\n"
                    "model = dict(pfb=dict(prune_ratio=0.25))\\n")
        cfg = Config.fromfile('my_config.py')
        init_default_scope(cfg.default_scope)
        model = MODELS.build(cfg.model)
        print(json.dumps(dict(
            mmpfb=mmpfb.__file__,
            base=Config._get_cfg_path(f'mmpfb::{base}', 'my_config.py')[0],
            hub=get_config(f'mmpfb::{base}').filename,
            model=type(model).__name__,
            model_file=sys.modules[type(model).__module__].__file__,
            prune_ratio=model.blocker.prune_ratio,
            block_stage=cfg.model.pfb.block_stage)))
''')


@pytest.fixture(scope='module')
def user_runs(target, tmp_path_factory):
    """What the subprocess saw for each installed host's base, by host.

    One subprocess for all hosts: importing mmpfb and the hosts is most
    of its time.
    """
    hosts = [h for h in USER_BASES if importlib.util.find_spec(h)]
    run = subprocess.run(
        [sys.executable, '-c', USER_SCRIPT] +
        [USER_BASES[h][0] for h in hosts],
        cwd=tmp_path_factory.mktemp('user'),
        env=dict(os.environ, PYTHONPATH=str(target)),
        capture_output=True,
        text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()[-len(hosts):]
    return dict(zip(hosts, map(json.loads, lines)))


@pytest.mark.parametrize('host', list(USER_BASES))
def test_mmpfb_config_from_any_folder(target, user_runs, host):
    pytest.importorskip(host)
    base, model, block_stage = USER_BASES[host]
    got = user_runs[host]
    shipped = osp.join(str(target), 'mmpfb', '.mim', 'configs', base)
    assert got['mmpfb'] == osp.join(str(target), 'mmpfb', '__init__.py')
    assert got['base'] == got['hub'] == shipped
    assert got['model'] == model
    assert got['model_file'].startswith(str(target))
    # the user's line overrides the base; the rest is the base's
    assert got['prune_ratio'] == 0.25
    assert got['block_stage'] == block_stage
