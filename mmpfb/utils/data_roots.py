# Copyright (c) mmpfb contributors. All rights reserved.
"""Check, before a runner is built, that the data folders a config reads
are there, and name the command that makes a missing one.

The hosts fail late and tersely on a missing folder (MMSegmentation:
``Failed to load ann_file``). The folders that mmpfb's configs read are
made by mmpfb's own commands; :data:`DATA_RECIPES` knows them by the
folder's name, so ``data/demo_voc`` and ``/elsewhere/demo_voc`` are both
recognised. Folders of other names are left to the hosts.
"""
import os.path as osp
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.config import Config

from mmpfb.datasets.fashion_mnist import (DEFAULT_DATA_ROOT, IDX_FILES,
                                          INSTALL_COMMAND, PREPARE_COMMAND)
from .tool_entry import ToolError

GENERATE_ONLY = ('python -c "from {module} import {function}; '
                 "{function}('{root}')\"")


class MissingDataError(ToolError, FileNotFoundError):
    """A data folder that a config reads is missing or incomplete."""


class DataRecipe(NamedTuple):
    """How one of the data folders of mmpfb's configs is made.

    Attributes:
        folder (str): The folder's name (the last part of ``data_root``).
        description (str): What the folder holds, e.g. ``'demo VOC
            data'``.
        markers (tuple[str]): Files that a complete folder holds; the
            generators write their stamp file last.
        how (str): The commands that make it, formatted with ``root``
            (the data root) and ``root_flag`` (`` --<flag> <root>`` when
            the root is not the default one, else empty).
        default_root (str): The root the commands write by default.
        root_flag (str): The commands' flag for another root.
    """
    folder: str
    description: str
    markers: Tuple[str, ...]
    how: str
    default_root: str
    root_flag: str

    def make_hint(self, root: str) -> str:
        """The commands that make this folder at ``root``.

        Args:
            root (str): The data root as the config names it.

        Returns:
            str: One sentence ending with the command to run.
        """
        root_flag = ''
        if osp.normpath(root) != osp.normpath(self.default_root):
            root_flag = f' {self.root_flag} {root}'
        return self.how.format(root=root, root_flag=root_flag)


def _demo_how(task: str, module: str, function: str) -> str:
    generate = GENERATE_ONLY.format(
        module=module, function=function, root='{root}')
    return (f'python tools/run_demo.py{task}{{root_flag}} generates it, '
            f'then trains and tests the demo; to generate only the data, '
            f'run: {generate}')


DATA_RECIPES: Tuple[DataRecipe, ...] = (
    DataRecipe(
        folder='demo_voc',
        description='demo VOC data',
        markers=('demo_voc.json', ),
        how=_demo_how('', 'mmpfb.experiments.datasets', 'generate_demo_voc'),
        default_root='data/demo_voc',
        root_flag='--data-root'),
    DataRecipe(
        folder='demo_shapes',
        description='demo shapes data',
        markers=('demo_shapes.json', ),
        how=_demo_how(' --task cls', 'mmpfb.experiments.datasets.demo_shapes',
                      'generate_demo_shapes'),
        default_root='data/demo_shapes',
        root_flag='--data-root'),
    DataRecipe(
        folder='fashion_mnist',
        description='Fashion-MNIST',
        markers=tuple(name for pair in IDX_FILES.values() for name in pair),
        how=(f'install Debian\'s dataset-fashion-mnist package (as root: '
             f'{INSTALL_COMMAND}), then run: {PREPARE_COMMAND}{{root_flag}}'),
        default_root=DEFAULT_DATA_ROOT,
        root_flag='--out-dir'),
    DataRecipe(
        folder='fashion_scenes',
        description='Fashion-MNIST scenes',
        markers=('fashion_scenes.json', ),
        how=(f'install Debian\'s dataset-fashion-mnist package (as root: '
             f'{INSTALL_COMMAND}), then run: python '
             f'tools/dataset_converters/generate_fashion_scenes.py'
             f'{{root_flag}}'),
        default_root='data/fashion_scenes',
        root_flag='--out-dir'),
)


def find_recipe(root: str) -> Optional[DataRecipe]:
    """The recipe of the folder ``root`` names, if mmpfb makes it.

    Args:
        root (str): A data root.

    Returns:
        DataRecipe, optional: The recipe whose folder name ends ``root``.
    """
    name = osp.basename(osp.normpath(root))
    for recipe in DATA_RECIPES:
        if recipe.folder == name:
            return recipe
    return None


def _data_roots(dataset: dict) -> Iterator[str]:
    """The data roots of a dataset config and of the datasets it wraps
    (``dataset``, ``datasets``), except those the host may download."""
    if not isinstance(dataset, dict):
        return
    root = dataset.get('data_root')
    if isinstance(root, str) and root and not dataset.get('download'):
        yield root
    inner = dataset.get('dataset')
    yield from _data_roots(inner) if inner is not None else ()
    for each in dataset.get('datasets') or ():
        yield from _data_roots(each)


def folder_problem(recipe: DataRecipe, root: str) -> Optional[str]:
    """What is wrong with the folder ``root`` that ``recipe`` makes.

    Args:
        recipe (DataRecipe): The folder's recipe.
        root (str): The data root.

    Returns:
        str, optional: ``'does not exist'`` or ``'lacks <files>'``; None
        when the folder is complete.
    """
    if not osp.isdir(root):
        return 'does not exist'
    absent = [m for m in recipe.markers if not osp.exists(osp.join(root, m))]
    return f'lacks {", ".join(absent)}' if absent else None


def missing_data(cfg: Config, loaders: Sequence[str]) -> List[str]:
    """What is wrong with the data folders of ``loaders``: one message
    per folder that mmpfb makes and that is missing or incomplete.

    Args:
        cfg (Config): The config.
        loaders (Sequence[str]): The data loaders the run builds, e.g.
            ``('train_dataloader', 'val_dataloader')``; absent or None
            ones are skipped.

    Returns:
        list[str]: The messages; empty when every known folder is there.
    """
    messages, seen = [], set()
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if not isinstance(loader_cfg, dict):
            continue
        for root in _data_roots(loader_cfg.get('dataset')):
            recipe = find_recipe(root)
            if recipe is None or root in seen:
                continue
            seen.add(root)
            problem = folder_problem(recipe, root)
            if problem is not None:
                messages.append(
                    f'the {recipe.description} folder {root} (data_root of '
                    f'{loader}) {problem}; {recipe.make_hint(root)}')
    return messages


def check_data_roots(cfg: Config, loaders: Sequence[str]) -> None:
    """Raise when a data folder that ``loaders`` read is missing.

    Args:
        cfg (Config): The config.
        loaders (Sequence[str]): See :func:`missing_data`.

    Raises:
        MissingDataError: A folder that mmpfb's commands make is missing
            or incomplete; the message names the folder and the command
            that makes it.
    """
    messages = missing_data(cfg, loaders)
    if messages:
        raise MissingDataError('; '.join(messages))
