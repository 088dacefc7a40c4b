# Copyright (c) mmpfb contributors. All rights reserved.
"""Tools for users of the library: the check of a backbone's splitter
(:mod:`.check_splitter`) and the reader of a run's PFB statistics
(:mod:`.pfb_log`). This file imports neither, so that the log reader
loads without torch."""
