# Copyright (c) mmpfb contributors. All rights reserved.
"""The GPU check kit: tools/prepare_gpu_kit.sh, tools/gpu_kit/ and
tools/analysis_tools/gpu_checks.sh, offline (no pip, no GPU)."""
import importlib.util
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / 'tools' / 'gpu_kit'
GPU_CHECKS = ROOT / 'tools' / 'analysis_tools' / 'gpu_checks.sh'
PREPARE = ROOT / 'tools' / 'prepare_gpu_kit.sh'


def load(name):
    spec = importlib.util.spec_from_file_location(f'gpu_kit_{name}',
                                                  KIT / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prepare_kit = load('prepare_kit')


@pytest.mark.parametrize('script', [PREPARE, GPU_CHECKS])
def test_the_scripts_parse(script):
    subprocess.run(['bash', '-n', str(script)], check=True)


def test_the_kit_brings_the_tested_stack():
    """packages.txt names the hosts at the pins the tests pass on."""
    packages = {
        req.name: (req, role)
        for req, role in prepare_kit.read_packages(KIT / 'packages.txt')
    }
    pins = prepare_kit.read_pins(ROOT / 'requirements' / 'stacks' /
                                 'latest.txt')
    for name, role in (('mmengine', 'wheel'), ('mmsegmentation', 'wheel'),
                       ('mmpretrain', 'wheel'), ('mmcv', 'sdist')):
        req, got = packages[name]
        assert got == role, name
        assert str(req.specifier) == f'=={pins[name]}', name
    # pkg_resources, which mmcv's setup.py and MMEngine import
    setuptools, role = packages['setuptools']
    assert role == 'build'
    assert not setuptools.specifier.contains('82.0.0')
    target = prepare_kit.read_names(KIT / 'target_packages.txt')
    assert {'torch', 'torchvision', 'numpy', 'opencv-python'} <= target
    assert not {'mmengine', 'mmsegmentation', 'mmpretrain', 'mmcv'} & target


def fake_wheel(folder, name, version, requires):
    path = folder / f'{name.replace("-", "_")}-{version}-py3-none-any.whl'
    # a field that goes on over indented and blank-looking lines, as
    # licence texts do, must not hide the requirements after it
    metadata = [
        'Metadata-Version: 2.1', f'Name: {name}', f'Version: {version}',
        'License: Apache', '        ', '        2. Grant of Copyright'
    ] + [f'Requires-Dist: {r}' for r in requires] + ['', 'Body text.']
    with zipfile.ZipFile(path, 'w') as whl:
        whl.writestr(f'{name.replace("-", "_")}-{version}.dist-info/METADATA',
                     '\n'.join(metadata) + '\n')
    return path


def fake_sdist(folder, name, version, requires_txt):
    path = folder / f'{name}-{version}.tar.gz'
    src = folder / 'sdist_src' / f'{name}-{version}'
    (src / f'{name}.egg-info').mkdir(parents=True)
    (src / f'{name}.egg-info' / 'requires.txt').write_text(requires_txt)
    with tarfile.open(path, 'w:gz') as tar:
        tar.add(src, arcname=f'{name}-{version}')
    return path


def make_kit(tmp_path):
    """Resolve a small fake index into a kit; returns (kit, rows, log)."""
    index, kit = tmp_path / 'index', tmp_path / 'kit'
    index.mkdir()
    kit.mkdir()
    fake_wheel(index, 'host', '1.0', [
        'helper', 'numpy', 'opencv-python>=3', 'old-only; python_version '
        '< "3.11"', 'win-only; sys_platform == "win32"',
        'extra-only; extra == "all"'
    ])
    fake_wheel(index, 'helper', '2.0', ['leaf>=1'])
    fake_wheel(index, 'leaf', '1.5', [])
    fake_wheel(index, 'setuptools', '81.0.0', [])
    fake_sdist(
        index, 'ops', '2.1.0',
        'host\nleaf\n\n[:sys_platform == "win32"]\nwin-only\n\n'
        '[all]\nextra-only\n')
    calls = []

    def download(specs, sdist, dest):
        calls.append((tuple(specs), sdist))
        for spec in specs:
            name = spec.split('=')[0].split('>')[0]
            for path in index.iterdir():
                if path.is_file() and prepare_kit.file_name(
                        path.name) == name and path.name.endswith(
                            '.tar.gz') == sdist:
                    shutil.copy(path, dest)

    packages = [(prepare_kit.Requirement('host==1.0'), 'wheel'),
                (prepare_kit.Requirement('ops==2.1.0'), 'sdist'),
                (prepare_kit.Requirement('setuptools==81.0.0'), 'build')]
    target = {'numpy', 'opencv-python', 'setuptools'}
    rows, log = prepare_kit.resolve(packages, target, {'leaf': '1.5'},
                                    prepare_kit.target_environment('3.12'),
                                    download, str(kit))
    prepare_kit.write_manifest(
        str(kit / prepare_kit.MANIFEST), rows,
        ['GPU check kit for CPython 3.12, manylinux x86_64'] + log)
    return kit, rows, calls


def test_resolve_follows_what_each_file_declares(tmp_path):
    kit, rows, calls = make_kit(tmp_path)
    got = {
        r['name']: (r['version'], r['role'], r['required_by'])
        for r in rows
    }
    assert got == {
        'host': ('1.0', 'wheel', 'packages.txt'),
        'helper': ('2.0', 'wheel', 'host'),
        'leaf': ('1.5', 'wheel', 'ops'),  # ops asks first (breadth first)
        'ops': ('2.1.0', 'sdist', 'packages.txt'),
        # on the machine, yet brought for the build
        'setuptools': ('81.0.0', 'build', 'packages.txt'),
    }
    # leaf takes the stack's pin; the machine's packages, markers for
    # other platforms and Pythons, and extras are not asked for
    asked = [spec for specs, _ in calls for spec in specs]
    assert 'leaf==1.5' in asked
    assert not {
        'numpy', 'opencv-python', 'old-only', 'win-only', 'extra-only'
    } & {s.split('=')[0].split('>')[0]
         for s in asked}
    assert [sdist for _, sdist in calls].count(True) == 1
    assert prepare_kit.read_manifest(str(kit / 'manifest.tsv')) == [{
        k:
        str(r[k])
        for k in prepare_kit.MANIFEST_COLUMNS
    } for r in rows]


def dry_run(kit, *args):
    return subprocess.run(
        ['bash',
         str(GPU_CHECKS), '--dry-run', '--kit',
         str(kit), *args],
        capture_output=True,
        text=True)


def test_the_gpu_checks_install_what_the_kit_holds(tmp_path):
    kit, rows, _ = make_kit(tmp_path)
    done = dry_run(kit)
    assert done.returncode == 0, done.stdout + done.stderr
    plan = done.stdout.splitlines()
    role_word = {
        'wheel': 'install wheel',
        'build': 'build wheel',
        'sdist': 'build sdist'
    }
    planned = sorted(
        line for line in plan if line.startswith(('install ', 'build ')))
    assert planned == sorted(f'{role_word[r["role"]]:<14} {r["file"]}'
                             for r in rows)
    assert 'kit complete' in plan
    for part in ('tests_cuda', 'tests_amp', 'bench_voc', 'bench_cityscapes'):
        assert any(line.startswith(f'part {part}: timeout') for line in plan)


def test_the_gpu_checks_refuse_a_damaged_kit(tmp_path):
    kit, rows, _ = make_kit(tmp_path)
    leaf = next(r['file'] for r in rows if r['name'] == 'leaf')
    with open(kit / leaf, 'ab') as f:
        f.write(b'x')
    done = dry_run(kit)
    assert done.returncode == 1
    assert f'{leaf} does not match its sha256' in done.stdout
    os.remove(kit / 'manifest.tsv')
    assert 'no kit' in dry_run(kit).stdout


def test_only_brings_the_parts_it_needs(tmp_path):
    kit, _, _ = make_kit(tmp_path)
    plan = dry_run(kit, '--only', 'bench_voc').stdout
    for part in ('install', 'mmcv', 'bench_voc'):
        assert f'part {part}: timeout' in plan
    for part in ('env', 'tests_cuda', 'compile'):
        assert f'part {part}: skipped' in plan
    done = dry_run(kit, '--only', 'nothing')
    assert done.returncode == 2 and "no part 'nothing'" in done.stderr


def test_saving_over_p_against_the_paper(tmp_path):
    (tmp_path / 'voc_p70').mkdir()
    with open(tmp_path / 'voc_p70' / 'benchmark_pfb.json', 'w') as f:
        json.dump(
            dict(rows=[
                dict(
                    ratio=0.7, mode='auto', resolved_mode='reuse', saving=0.56)
            ]), f)
    lines = load('saving_over_p').table(str(tmp_path))
    assert '| voc_p70 | 0.7 | auto (reuse) | 56.0% | 0.80 | 0.81 |' in lines
    assert '| cityscapes_p30 | no result | | | | 0.8 |' in lines
