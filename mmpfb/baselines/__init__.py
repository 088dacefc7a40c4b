# Copyright (c) mmpfb contributors. All rights reserved.
"""Methods that PFB is compared with, in the same framework: InfoBatch
(:mod:`.infobatch`) and single-shot random pruning
(:mod:`.single_shot_random`). The library never imports them; configs
reach them through the registries' locations
(``type='mmpfb.InfoBatchHook'``)."""
