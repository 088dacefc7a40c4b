# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
from torch.overrides import TorchFunctionMode

pytest.importorskip('mmseg')

from mmengine.registry import DefaultScope
from mmseg.registry import MODELS

from mmpfb.testing.segmentation import tiny_seg_batch, tiny_segmentor_cfg

# the Tensor methods that copy a value to the host: on CUDA each one
# waits for every queued kernel
HOST_READS = ('__bool__', '__float__', '__index__', '__int__', 'item',
              'tolist')


class HostReadSpy(TorchFunctionMode):
    """Records every host read of a tensor value."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, '__name__', '')
        if name in HOST_READS:
            self.reads.append(name)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize('criterion', ['density', 'random'])
@pytest.mark.parametrize('shallow_grad', ['reuse', 'recompute'])
def test_one_host_read_of_device_values_per_step(shallow_grad, criterion):
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(
            tiny_segmentor_cfg(
                pfb=dict(
                    block_stage=2,
                    prune_ratio=0.5,
                    num_centroids=4,
                    shallow_grad=shallow_grad,
                    criterion=criterion))).train()
    inputs, samples = tiny_seg_batch(8, (32, 32))
    blocker = model.blocker
    with HostReadSpy() as spy:
        filling = blocker(model.backbone, inputs)  # fills the centroids
    assert filling.keep_index is None
    # only the finite flag: filling the centroids reads nothing
    assert spy.reads == ['tolist']

    with HostReadSpy() as spy:
        result = blocker(model.backbone, inputs)
    assert result.keep_index is not None and len(result.keep_index) == 4
    # u of K comes from a CPU generator, so its item() never waits on a
    # device; the finite flag and the kept rows travel in one copy
    assert spy.reads == ['item', 'tolist']
