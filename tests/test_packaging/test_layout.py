# Copyright (c) mmpfb contributors. All rights reserved.
"""The package's layout: the library apart from the InfoBatch baseline
and the experiment harness, and no import cycle.

The static checks read every module's imports with :mod:`ast` (those run
at import time: at module level, in ``if`` and ``try`` blocks, not in
functions); the fresh-interpreter checks import each subpackage alone
and look at what came with it.
"""
import ast
import os.path as osp
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, Set

PACKAGE = Path(__file__).resolve().parents[2] / 'mmpfb'
#: What the library must not import: the baselines and the harness.
OUTSIDE_LIBRARY = ('mmpfb.baselines', 'mmpfb.experiments')
#: Each library subpackage, imported alone in a fresh interpreter.
LIBRARY_PACKAGES = [
    'mmpfb', 'mmpfb.registry', 'mmpfb.utils', 'mmpfb.datasets', 'mmpfb.models',
    'mmpfb.engine', 'mmpfb.evaluation', 'mmpfb.analysis'
]
OTHER_PACKAGES = [
    'mmpfb.baselines.infobatch', 'mmpfb.baselines.single_shot_random',
    'mmpfb.experiments.datasets'
]
#: The packages a light tool imports (the log plot, the data converters):
#: they load without torch.
TORCH_FREE = [
    'mmpfb', 'mmpfb.utils', 'mmpfb.datasets', 'mmpfb.analysis.pfb_log',
    'mmpfb.experiments.datasets'
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def all_modules() -> Dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob('*.py')}


def is_outside_library(name: str) -> bool:
    return any(name == top or name.startswith(top + '.')
               for top in OUTSIDE_LIBRARY)


def import_time_nodes(body: list) -> Iterator[ast.stmt]:
    """The import statements that run when the module is imported."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            yield from import_time_nodes(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from import_time_nodes(node.body + node.orelse +
                                         node.finalbody)


def imported_modules(name: str, path: Path, known: Set[str]) -> Set[str]:
    """The mmpfb modules that importing ``name`` imports directly,
    including the packages on their way that ``name`` is not inside."""
    is_package = path.name == '__init__.py'
    base = name.split('.') if is_package else name.split('.')[:-1]
    targets = set()
    for node in import_time_nodes(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        if node.level:
            parent = base[:len(base) - node.level + 1]
            source = '.'.join(parent + ([node.module] if node.module else []))
        else:
            source = node.module
        targets.add(source)
        targets.update(f'{source}.{alias.name}' for alias in node.names
                       if f'{source}.{alias.name}' in known)
    found = set()
    for target in targets:
        parts = target.split('.')
        for i in range(1, len(parts) + 1):
            step = '.'.join(parts[:i])
            inside = name == step or name.startswith(step + '.')
            if step in known and not inside:
                found.add(step)
    return found


def import_graph() -> Dict[str, Set[str]]:
    modules = all_modules()
    known = set(modules)
    return {
        name: imported_modules(name, path, known)
        for name, path in modules.items()
    }


def test_the_graph_sees_the_library_imports():
    # the reader of the graph itself: a relative, an absolute and a
    # conditional import of a known module
    graph = import_graph()
    assert 'mmpfb.models.blocking.partial_forward_blocking' in graph[
        'mmpfb.models.blocking']
    assert 'mmpfb.registry' in graph['mmpfb.models.segmentors.'
                                     'pfb_encoder_decoder']
    assert 'mmpfb.models.segmentors' in graph['mmpfb.models']
    assert 'mmpfb.models.losses' in graph[
        'mmpfb.baselines.infobatch.infobatch_model_mixin']


def test_no_library_module_imports_the_baselines_or_the_harness():
    imports = {
        name: sorted(filter(is_outside_library, targets))
        for name, targets in import_graph().items()
        if not is_outside_library(name)
    }
    assert {name: bad for name, bad in imports.items() if bad} == {}


def find_cycles(graph: Dict[str, Set[str]]) -> list:
    """Every cycle a depth-first walk of ``graph`` meets, as a path."""
    cycles = []
    done: Set[str] = set()

    def visit(name, path):
        for target in sorted(graph.get(name, ())):
            if target in path:
                cycles.append(path[path.index(target):] + [target])
            elif target not in done:
                visit(target, path + [target])
        done.add(name)

    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    return cycles


def test_find_cycles_finds_a_cycle():
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    assert find_cycles(graph) == [['a', 'b', 'c', 'a']]
    assert find_cycles({'a': {'b'}, 'b': set()}) == []


def test_no_import_cycle():
    assert find_cycles(import_graph()) == []


def test_each_package_imports_alone():
    # one fresh interpreter per package, all started at once
    code = ('import sys, {}\n'
            'print(" ".join(m for m in sys.modules\n'
            '               if m.startswith("mmpfb") or m == "torch"))')
    runs = {
        package: subprocess.Popen([sys.executable, '-c',
                                   code.format(package)],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE,
                                  text=True,
                                  cwd=osp.dirname(PACKAGE))
        for package in LIBRARY_PACKAGES + OTHER_PACKAGES + TORCH_FREE
    }
    for package, run in runs.items():
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, (package, err)
        loaded = out.split()
        assert package in loaded, package
        if package in TORCH_FREE:
            assert 'torch' not in loaded, package
        if package in LIBRARY_PACKAGES:
            assert [m for m in loaded if is_outside_library(m)] == [], package
