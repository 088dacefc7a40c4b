# Copyright (c) mmpfb contributors. All rights reserved.
"""Gather what the GPU checks need on a GPU machine without network.

Reads ``tools/gpu_kit/packages.txt`` (what to bring, with a role each) and
``tools/gpu_kit/target_packages.txt`` (what the machine has), downloads
binary wheels for the target Python with ``pip download --no-deps
--only-binary=:all:`` and the sdists with ``--no-binary=:all:``, follows
each download's declared requirements (``Requires-Dist`` of a wheel,
``*.egg-info/requires.txt`` of an sdist; markers evaluated for the
target, extras left out) and writes ``manifest.tsv``, which
``tools/analysis_tools/gpu_checks.sh`` installs from. Run it through
``bash tools/prepare_gpu_kit.sh`` (``docs/gpu_checks.md``).
"""
import argparse
import email.parser
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from typing import Callable, Dict, List, Optional, Tuple

try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.utils import (canonicalize_name, parse_sdist_filename,
                                 parse_wheel_filename)
except ImportError:  # pip's own copy serves where packaging is missing
    from pip._vendor.packaging.markers import Marker
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import (canonicalize_name,
                                             parse_sdist_filename,
                                             parse_wheel_filename)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
KIT_DIR = osp.join(ROOT, 'tools', 'gpu_kit')
ROLES = ('wheel', 'sdist', 'build')
MANIFEST = 'manifest.tsv'
MANIFEST_COLUMNS = ('name', 'version', 'role', 'file', 'sha256', 'required_by')
# pip matches manylinux tags exactly: name each up to glibc 2.39
PLATFORMS = [
    'manylinux1_x86_64', 'manylinux2010_x86_64', 'manylinux2014_x86_64'
] + [f'manylinux_2_{n}_x86_64' for n in range(17, 40)]


def read_packages(path: str) -> List[Tuple[Requirement, str]]:
    """The requirements and roles of ``packages.txt``."""
    packages = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            role = fields[1] if len(fields) > 1 else 'wheel'
            if len(fields) > 2 or role not in ROLES:
                raise ValueError(f'{path}:{number}: expected '
                                 f'"REQUIREMENT [{"|".join(ROLES)}]", '
                                 f'got {line!r}')
            packages.append((Requirement(fields[0]), role))
    return packages


def read_names(path: str) -> set:
    """The canonical package names of a one-name-a-line file."""
    with open(path) as f:
        return {
            canonicalize_name(line.split('#', 1)[0].strip())
            for line in f if line.split('#', 1)[0].strip()
        }


def read_pins(path: str) -> Dict[str, str]:
    """``name==version`` (or ``===``) pins of a requirements file."""
    pins = {}
    if not osp.exists(path):
        return pins
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            for sep in ('===', '=='):
                if sep in line:
                    name, version = line.split(sep, 1)
                    pins[canonicalize_name(name)] = version.strip()
                    break
    return pins


def target_environment(python: str) -> Dict[str, str]:
    """Marker variables of CPython ``python`` (e.g. 3.12) on x86-64 Linux."""
    major_minor = '.'.join(python.split('.')[:2])
    full = python if python.count('.') == 2 else f'{major_minor}.0'
    return dict(
        python_version=major_minor,
        python_full_version=full,
        sys_platform='linux',
        platform_system='Linux',
        platform_machine='x86_64',
        os_name='posix',
        implementation_name='cpython',
        platform_python_implementation='CPython',
        platform_release='',
        platform_version='',
        implementation_version=major_minor + '.0',
        extra='')


def declared_requirements(path: str) -> List[Requirement]:
    """What a wheel or an sdist declares it needs, extras included.

    Markers stay on the requirements (an ``extra`` one too); the caller
    evaluates them.
    """
    lines = []
    if path.endswith('.whl'):
        with zipfile.ZipFile(path) as whl:
            name = next(n for n in whl.namelist()
                        if n.endswith('.dist-info/METADATA'))
            text = whl.read(name).decode('utf-8')
        # an RFC 822 header: a field may go on over indented lines (the
        # licence text often does), so a parser reads it, not a grep
        headers = email.parser.HeaderParser().parsestr(text)
        lines += [
            ' '.join(value.split())
            for value in headers.get_all('Requires-Dist', [])
        ]
    else:
        with tarfile.open(path) as sdist:
            member = next(
                (m for m in sdist.getmembers() if m.name.count('/') == 2
                 and m.name.endswith('.egg-info/requires.txt')), None)
            if member is None:
                return []
            text = sdist.extractfile(member).read().decode('utf-8')
        # requires.txt: unconditional lines, then [extra:marker] sections
        marker = ''
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            if line.startswith('['):
                extra, _, cond = line[1:-1].partition(':')
                parts = [f'extra == "{extra}"'] if extra else []
                parts += [f'({cond})'] if cond else []
                marker = ' and '.join(parts)
                continue
            lines.append(f'{line}; {marker}' if marker else line)
    return [Requirement(line) for line in lines]


def applies(req: Requirement, env: Dict[str, str]) -> bool:
    """Whether ``req`` is needed on the target, extras left out."""
    return req.marker is None or Marker(str(req.marker)).evaluate(env)


def pick(req: Requirement, pins: Dict[str, str]) -> str:
    """What to ask pip for: the stack's pin where it fits, else ``req``."""
    pin = pins.get(canonicalize_name(req.name))
    if pin is not None and req.specifier.contains(pin, prereleases=True):
        return f'{req.name}=={pin}'
    return f'{req.name}{req.specifier}'


def pip_download(python: str, pip_python: str) -> Callable:
    """A downloader: ``(specs, sdist, dest) -> None`` through pip."""

    def download(specs: List[str], sdist: bool, dest: str) -> None:
        cmd = [
            pip_python, '-m', 'pip', 'download', '-q', '--no-deps',
            '--disable-pip-version-check', '-d', dest
        ]
        if sdist:
            cmd += ['--no-binary=:all:']
        else:
            cmd += [
                '--only-binary=:all:', '--python-version', python,
                '--implementation', 'cp'
            ]
            for platform in PLATFORMS:
                cmd += ['--platform', platform]
        print('$ ' + ' '.join(cmd[:8] + ['...'] + specs), flush=True)
        subprocess.run(cmd + specs, check=True)

    return download


def file_name(path: str) -> str:
    """The canonical distribution name of a wheel or sdist file."""
    base = osp.basename(path)
    if base.endswith('.whl'):
        return canonicalize_name(parse_wheel_filename(base)[0])
    return canonicalize_name(parse_sdist_filename(base)[0])


def file_version(path: str) -> str:
    base = osp.basename(path)
    if base.endswith('.whl'):
        return str(parse_wheel_filename(base)[1])
    return str(parse_sdist_filename(base)[1])


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def resolve(packages: List[Tuple[Requirement, str]], target: set,
            pins: Dict[str, str], env: Dict[str, str], download: Callable,
            out: str) -> Tuple[List[dict], List[str]]:
    """Download ``packages`` and what they need into ``out``.

    Breadth first: each round downloads one batch of wheels (and one of
    sdists), then reads what the new files declare.

    Returns:
        tuple[list[dict], list[str]]: The manifest rows (name, version,
        role, file, sha256, required_by) and the lines of the resolution
        log (what was left to the machine, and why).
    """
    rows: Dict[str, dict] = {}
    log = []
    queue = [(req, role, 'packages.txt') for req, role in packages]
    while queue:
        batch: Dict[str, List[Tuple[str, str, str]]] = {}
        for req, role, by in queue:
            name = canonicalize_name(req.name)
            if not applies(req, env):
                continue
            if name in rows:
                have = rows[name]['version']
                if not req.specifier.contains(have, prereleases=True):
                    raise RuntimeError(f'{by} needs {req}, the kit has '
                                       f'{name} {have}')
                continue
            if name in target and role != 'build':
                log.append(f'{name}: on the machine ({req}, for {by})')
                continue
            if any(name == n for specs in batch.values() for n, _, _ in specs):
                continue
            batch.setdefault(role, []).append((name, pick(req, pins), by))
        queue = []
        for role, specs in batch.items():
            with tempfile.TemporaryDirectory(dir=out) as tmp:
                download([spec for _, spec, _ in specs], role == 'sdist', tmp)
                by_name = {n: by for n, _, by in specs}
                for base in sorted(os.listdir(tmp)):
                    name = file_name(base)
                    if name not in by_name:
                        raise RuntimeError(f'unexpected download {base}')
                    path = osp.join(out, base)
                    shutil.move(osp.join(tmp, base), path)
                    rows[name] = dict(
                        name=name,
                        version=file_version(base),
                        role=role,
                        file=base,
                        sha256=sha256(path),
                        required_by=by_name.pop(name))
                    log.append(f'{name}: {base} ({role}, for '
                               f'{rows[name]["required_by"]})')
                    queue += [(r, 'wheel', name)
                              for r in declared_requirements(path)]
                if by_name:
                    raise RuntimeError(f'pip downloaded nothing for '
                                       f'{sorted(by_name)}')
    order = {role: i for i, role in enumerate(ROLES)}
    return sorted(
        rows.values(), key=lambda r: (order[r['role']], r['name'])), log


def write_manifest(path: str, rows: List[dict], header: List[str]) -> None:
    """``manifest.tsv``: ``#`` header lines, then one row per file."""
    with open(path, 'w') as f:
        for line in header:
            f.write(f'# {line}\n')
        f.write('#' + '\t'.join(MANIFEST_COLUMNS) + '\n')
        for row in rows:
            f.write('\t'.join(str(row[c]) for c in MANIFEST_COLUMNS) + '\n')


def read_manifest(path: str) -> List[dict]:
    with open(path) as f:
        return [
            dict(zip(MANIFEST_COLUMNS,
                     line.rstrip('\n').split('\t'))) for line in f
            if not line.startswith('#') and line.strip()
        ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description='Gather the wheels and sdists the GPU checks need '
        'on a GPU machine without network.')
    parser.add_argument(
        '--python',
        default='3.12',
        help='The target Python version. Defaults to 3.12.')
    parser.add_argument(
        '--out',
        default=osp.join(ROOT, '.gpu_kit'),
        help='The kit folder, emptied first but for its built/ '
        'folder. Defaults to .gpu_kit.')
    parser.add_argument(
        '--max-mib',
        type=float,
        default=40,
        help='Fail when the kit is larger. Defaults to 40.')
    parser.add_argument(
        '--packages',
        default=osp.join(KIT_DIR, 'packages.txt'),
        help='What to bring. Defaults to tools/gpu_kit/packages.txt.')
    parser.add_argument(
        '--target-packages',
        default=osp.join(KIT_DIR, 'target_packages.txt'),
        help='What the machine has. Defaults to '
        'tools/gpu_kit/target_packages.txt.')
    parser.add_argument(
        '--pins',
        default=osp.join(ROOT, 'requirements', 'stacks', 'latest.txt'),
        help='Versions to prefer. Defaults to '
        'requirements/stacks/latest.txt.')
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    start = time.time()
    out = osp.abspath(args.out)
    # a fresh kit; built/ keeps the mmcv wheels the checks built there
    os.makedirs(out, exist_ok=True)
    for base in os.listdir(out):
        if base != 'built':
            path = osp.join(out, base)
            if osp.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
    env = target_environment(args.python)
    rows, log = resolve(
        read_packages(args.packages), read_names(args.target_packages),
        read_pins(args.pins), env, pip_download(args.python, sys.executable),
        out)
    header = [
        f'GPU check kit for CPython {args.python}, manylinux x86_64; '
        'made by tools/prepare_gpu_kit.sh',
        f'made {time.strftime("%Y-%m-%d %H:%M:%S %Z")} with '
        f'{osp.basename(sys.executable)} {sys.version.split()[0]}',
    ] + log
    write_manifest(osp.join(out, MANIFEST), rows, header)
    total = 0
    print(f'\n{"file":<58} {"role":<6} {"KiB":>7}')
    for row in rows:
        size = osp.getsize(osp.join(out, row['file']))
        total += size
        print(f'{row["file"]:<58} {row["role"]:<6} {size / 1024:7.0f}')
    built = osp.join(out, 'built')
    for base in sorted(os.listdir(built)) if osp.isdir(built) else []:
        size = osp.getsize(osp.join(built, base))
        total += size
        print(f'{"built/" + base:<58} {"built":<6} {size / 1024:7.0f}')
    print(f'\n{len(rows)} files, {total / 2**20:.1f} MiB in {out} '
          f'({time.time() - start:.0f} s); manifest: {MANIFEST}')
    print('left to the machine: ' + ', '.join(
        sorted(
            {line.split(':')[0]
             for line in log if 'on the machine' in line})))
    if total > args.max_mib * 2**20:
        print(
            f'prepare_kit: {total / 2**20:.1f} MiB is over --max-mib '
            f'{args.max_mib}',
            file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
