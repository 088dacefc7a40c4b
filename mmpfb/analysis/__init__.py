# Copyright (c) mmpfb contributors. All rights reserved.
"""Tools for users of the library: the check of a backbone's splitter."""
from .check_splitter import (StageReport, build_config_backbone,
                             check_splitter, valid_stages)

__all__ = [
    'StageReport', 'build_config_backbone', 'check_splitter', 'valid_stages'
]
