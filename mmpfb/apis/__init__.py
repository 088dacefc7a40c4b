# Copyright (c) mmpfb contributors. All rights reserved.
"""What the command-line tools call."""
from .check_splitter import (StageReport, build_config_backbone,
                             check_splitter, valid_stages)

__all__ = [
    'StageReport', 'build_config_backbone', 'check_splitter', 'valid_stages'
]
