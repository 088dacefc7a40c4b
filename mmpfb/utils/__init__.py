# Copyright (c) mmpfb contributors. All rights reserved.
from .cli_config import load_cli_config
from .host_libraries import is_installed

__all__ = ['is_installed', 'load_cli_config']
