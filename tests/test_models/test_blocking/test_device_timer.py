# Copyright (c) mmpfb contributors. All rights reserved.
import copy
import pickle
import time

import pytest
import torch

from mmpfb.models.blocking import DeviceTimer

needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA device')


def test_cpu_region_is_the_hosts_wall_time():
    timer = DeviceTimer()
    assert timer.seconds is None
    timer.start(torch.device('cpu'))
    time.sleep(0.02)
    timer.stop()
    assert 0.02 <= timer.seconds < 1.0


@pytest.mark.parametrize(
    'clone', [copy.deepcopy, lambda t: pickle.loads(pickle.dumps(t))])
def test_a_copy_carries_no_reading(clone):
    timer = DeviceTimer()
    timer.start(torch.device('cpu'))
    timer.stop()
    assert clone(timer).seconds is None and timer.seconds is not None


@needs_cuda
def test_cuda_region_is_the_devices_time_not_the_launches():
    torch.cuda.synchronize()
    timer = DeviceTimer()
    start = time.perf_counter()
    timer.start(torch.device('cuda'))
    torch.cuda._sleep(200_000_000)  # about 0.1 s of GPU clock cycles
    timer.stop()
    launched = time.perf_counter() - start
    seconds = timer.seconds  # waits for the region's end
    assert seconds > 0.02 and seconds > 5 * launched
