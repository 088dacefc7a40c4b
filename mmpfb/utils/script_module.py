# Copyright (c) mmpfb contributors. All rights reserved.
import importlib.util
import os.path as osp
from types import ModuleType


def load_script(path: str) -> ModuleType:
    """Import a script that is not in a package (a file of ``tools/``).

    Args:
        path (str): Path of the ``.py`` file.

    Returns:
        ModuleType: The executed module, named after the file.
    """
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
