# Copyright (c) mmpfb contributors. All rights reserved.
from .log_summary import summarize_infobatch_log

__all__ = ['summarize_infobatch_log']
