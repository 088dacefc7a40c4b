# Copyright (c) mmpfb contributors. All rights reserved.
"""What the tools call: the demo, studies, the quiet training and
testing they share, the splitter check, the selection report and
(``mmpfb.apis.benchmark``) the benchmark. No host library is imported
until a run needs it."""
from .check_splitter import (StageReport, build_config_backbone,
                             check_splitter, valid_stages)
from .demo import DEMO_TASKS, format_demo_table, run_demo
from .progress_bar_hook import ProgressBarHook
from .quiet_runner import QuietRunner
from .selection_report import SelectionReport, analyze_selection
from .train_and_test import evaluate_last_checkpoint, train

__all__ = [
    'DEMO_TASKS', 'ProgressBarHook', 'QuietRunner', 'SelectionReport',
    'StageReport', 'analyze_selection', 'build_config_backbone',
    'check_splitter', 'evaluate_last_checkpoint', 'format_demo_table',
    'run_demo', 'train', 'valid_stages'
]
