# Copyright (c) mmpfb contributors. All rights reserved.
import pytest


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory):
    """A tiny generated demo VOC dataset."""
    from mmpfb.experiments.datasets import generate_demo_voc
    root = tmp_path_factory.mktemp('demo_voc')
    generate_demo_voc(str(root), num_train=16, num_val=4, seed=0)
    return root
