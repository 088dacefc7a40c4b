# Copyright (c) mmpfb contributors. All rights reserved.
"""Tools for users of the library: the check of a backbone's splitter
(:mod:`.check_splitter`), the check of which host configs train with
PFB (:mod:`.check_configs`) and the reader of a run's PFB statistics
(:mod:`.pfb_log`). This file imports none of them, so that the log
reader loads without torch."""
