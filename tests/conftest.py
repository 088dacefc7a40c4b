# Copyright (c) mmpfb contributors. All rights reserved.
import pytest


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory):
    """A tiny generated demo VOC dataset."""
    from mmpfb.experiments.datasets import generate_demo_voc
    root = tmp_path_factory.mktemp('demo_voc')
    generate_demo_voc(str(root), num_train=16, num_val=4, seed=0)
    return root


@pytest.fixture(params=['cpu', 'remote'])
def loaded(request):
    """How a checkpoint's tensors reach the code that restores them: as
    saved on the CPU, or on another device, as MMEngine's ``Runner.resume``
    on a GPU delivers them (:mod:`tests.remote_device`)."""
    from tests.remote_device import on_remote_device
    return on_remote_device if request.param == 'remote' else (
        lambda state: state)
