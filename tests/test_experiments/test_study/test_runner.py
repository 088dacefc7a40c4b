# Copyright (c) mmpfb contributors. All rights reserved.
import pytest

from mmpfb.experiments.study.runner import main


def test_usage_is_named():
    with pytest.raises(
            SystemExit,
            match='usage: python -m '
            'mmpfb.experiments.study.runner RUN_JSON'):
        main([])
