# Copyright (c) mmpfb contributors. All rights reserved.
"""Tools for users of the library: the check of a backbone's splitter and
the reading of PFB's statistics from a training log."""
from .check_splitter import (StageReport, build_config_backbone,
                             check_splitter, valid_stages)
from .pfb_log import (Panel, Series, class_keep_keys, load_pfb_log, log_series,
                      pfb_log_panels)

__all__ = [
    'Panel', 'Series', 'StageReport', 'build_config_backbone',
    'check_splitter', 'class_keep_keys', 'load_pfb_log', 'log_series',
    'pfb_log_panels', 'valid_stages'
]
