# Copyright (c) mmpfb contributors. All rights reserved.
from .cli_config import end_distributed, load_cli_config, parse_runner_args
from .host_libraries import (SUPPORTED_VERSIONS, HostVersionError,
                             check_host_version, is_installed)
from .setup_env import register_all_modules

__all__ = [
    'SUPPORTED_VERSIONS', 'HostVersionError', 'check_host_version',
    'end_distributed', 'is_installed', 'load_cli_config',
    'parse_runner_args', 'register_all_modules'
]
