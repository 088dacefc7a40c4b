# Copyright (c) mmpfb contributors. All rights reserved.
"""What the tools call: the demo, studies, and the quiet training and
testing they share. No host library is imported until a run needs it."""
from .demo import DEMO_TASKS, format_demo_table, run_demo
from .progress_bar_hook import ProgressBarHook
from .quiet_runner import QuietRunner
from .train_and_test import evaluate_last_checkpoint, train

__all__ = [
    'DEMO_TASKS', 'ProgressBarHook', 'QuietRunner', 'evaluate_last_checkpoint',
    'format_demo_table', 'run_demo', 'train'
]
