# Copyright (c) mmpfb contributors. All rights reserved.
"""mmpfb's experiment harness: the demo (:mod:`.demo`), the studies
(:mod:`.study`), the benchmark (:mod:`.benchmark`), the selection report,
the quiet training and testing they share, the dataset generators
(:mod:`.datasets`) and the tiny builders of the tests (:mod:`.testing`).

The library (registry, models, engine, evaluation, datasets, utils)
never imports this package; the harness builds on the library. Import
the modules themselves: this file imports nothing, so that the dataset
generators load without torch.
"""
