# Copyright (c) mmpfb contributors. All rights reserved.
from .cli_config import (add_runner_args, end_distributed, export_local_rank,
                         load_cli_config, parse_runner_args)
from .data_roots import MissingDataError, check_data_roots
from .generator_state import rank_states_to_restore
from .host_libraries import (SUPPORTED_VERSIONS, HostVersionError,
                             check_host_version, is_installed)
from .runner_setup import (apply_test_options, apply_train_options,
                           setup_cpu_distributed)
from .setup_env import register_all_modules
from .tool_entry import (CONFIG_ERROR_HELP, ToolError,
                         config_errors_as_tool_errors, run_tool, tool_parser)

__all__ = [
    'CONFIG_ERROR_HELP', 'SUPPORTED_VERSIONS', 'HostVersionError',
    'MissingDataError', 'ToolError', 'add_runner_args', 'apply_test_options',
    'apply_train_options', 'check_data_roots', 'check_host_version',
    'config_errors_as_tool_errors', 'end_distributed', 'export_local_rank',
    'is_installed', 'load_cli_config', 'parse_runner_args',
    'rank_states_to_restore', 'register_all_modules', 'run_tool',
    'setup_cpu_distributed', 'tool_parser'
]
