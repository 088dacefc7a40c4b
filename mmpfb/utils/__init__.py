# Copyright (c) mmpfb contributors. All rights reserved.
"""Helpers of the library and its tools. Importing this package imports
no torch, so that a tool starts fast; the helpers that need torch are
imported from their modules: :mod:`.cli_config` (the tools' shared flags
and config loading), :mod:`.runner_setup` (the tools' runner options),
:mod:`.generator_state` (random states on resume) and
:mod:`.loaded_state` (loaded state put where it is used)."""
from .data_roots import MissingDataError, check_data_roots
from .host_libraries import (SUPPORTED_VERSIONS, HostVersionError,
                             check_host_version, is_installed)
from .setup_env import register_all_modules
from .tool_entry import (CONFIG_ERROR_HELP, ToolError,
                         config_errors_as_tool_errors, run_tool, tool_parser)

__all__ = [
    'CONFIG_ERROR_HELP', 'SUPPORTED_VERSIONS', 'HostVersionError',
    'MissingDataError', 'ToolError', 'check_data_roots', 'check_host_version',
    'config_errors_as_tool_errors', 'is_installed', 'register_all_modules',
    'run_tool', 'tool_parser'
]
