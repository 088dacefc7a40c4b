# Copyright (c) mmpfb contributors. All rights reserved.
"""Studies: configs x methods x ratios x seeds, one process per run."""
from .plan import Run, plan_runs, run_cfg_options
from .schedule import (epochs_to_iterations, iterations_per_epoch,
                       match_schedule, measured_time_ratio, scaled_length,
                       schedule_of, shorten_schedule)
from .spec import (METHODS, Method, SpecError, StudyConfig, StudySpec,
                   load_study_spec, parse_study_spec, register_method)
from .study import StudyFolders, run_study
from .summary import format_markdown, summarise, write_summary

__all__ = [
    'METHODS', 'Method', 'Run', 'SpecError', 'StudyConfig', 'StudyFolders',
    'StudySpec', 'epochs_to_iterations', 'format_markdown',
    'iterations_per_epoch', 'load_study_spec', 'match_schedule',
    'measured_time_ratio', 'parse_study_spec', 'plan_runs', 'register_method',
    'run_cfg_options', 'run_study', 'scaled_length', 'schedule_of',
    'shorten_schedule', 'summarise', 'write_summary'
]
