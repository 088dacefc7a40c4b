# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB benchmark: training-iteration time, the bounds and peak memory
against the parent model (``docs/speed.md``)."""
from .activation_memory import count_saved_bytes, saved_mib
from .batches import Batch, real_batches, synthetic_batch
from .bench_models import BenchModels, build_model
from .benchmark_options import BenchmarkOptions
from .benchmark_report import format_table, plot_benchmark
from .input_shape import InputShape, input_shape_from_config
from .peak_memory import step_peak_mib
from .round_robin_timer import relative_iqr, time_round_robin
from .run_benchmark import machine_description, run_benchmark
from .saving_bounds import achievable_seconds, ideal_seconds, interpolate
from .train_step import make_train_step

__all__ = [
    'Batch', 'BenchModels', 'BenchmarkOptions', 'InputShape',
    'achievable_seconds', 'build_model', 'count_saved_bytes', 'format_table',
    'ideal_seconds', 'input_shape_from_config', 'interpolate',
    'machine_description', 'make_train_step', 'plot_benchmark', 'real_batches',
    'relative_iqr', 'run_benchmark', 'saved_mib', 'step_peak_mib',
    'synthetic_batch', 'time_round_robin'
]
