# Copyright (c) mmpfb contributors. All rights reserved.
"""``resume`` on a GPU, where MMEngine's ``Runner.resume`` loads the
checkpoint to the GPU (``map_location=get_device()``): PFB and InfoBatch
runs go on as the uninterrupted ones. On the CPU, ``test_pfb_hook.py``
and ``test_infobatch_hook.py`` run the same resumptions with every tensor
of the checkpoint loaded to another device (``tests/remote_device.py``).
"""
import pytest
import torch

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason='needs a CUDA GPU, to which Runner.resume loads the checkpoint; '
    'the CPU tests emulate a checkpoint loaded to another device')

pytest.importorskip('mmseg')

from mmengine.device import get_device

from tests.test_baselines.test_infobatch import \
    test_infobatch_hook as infobatch
from . import test_pfb_hook as pfb

#: Relative and absolute tolerance of the losses, centroids and loss
#: memory: some CUDA kernels (bilinear upsampling's backward) add in an
#: unspecified order, so two runs differ in the last bits.
TOLERANCE = 1e-3


@pytest.fixture(autouse=True)
def cuda_determinism():
    """Deterministic CUDA kernels where torch has them, a warning where
    it has none, as long as the test runs. The runs' own
    ``randomness.deterministic`` is off: it would raise for those."""
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    yield
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


def on_gpu(cfg):
    """``cfg`` seeded, without ``torch.use_deterministic_algorithms(True)``
    (see :func:`cuda_determinism`); ``get_device()`` puts the model on the
    GPU."""
    cfg['randomness'] = dict(seed=0)
    return cfg


class RandomStateRecord(pfb.RecordHook):
    """:class:`~.test_pfb_hook.RecordHook` plus torch's CPU and CUDA
    random states as each iteration starts (after ``PFBHook`` restored
    them on resume)."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._states = (torch.get_rng_state(), torch.cuda.get_rng_state())

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        self.records[runner.iter]['random_states'] = self._states


def test_pfb_resumes_on_the_gpu(demo_root, tmp_path):
    assert get_device() == 'cuda'
    full, resumed = pfb.full_and_resumed(
        demo_root,
        tmp_path,
        lambda cfg: on_gpu(pfb.with_loss_memory(cfg)),
        record=RandomStateRecord)
    assert resumed[3]['centroids'].is_cuda
    for it in (3, 4, 5):
        for a, b in zip(full[it]['random_states'],
                        resumed[it]['random_states']):
            assert torch.equal(a, b), it
    pfb.assert_resumed_like_full(full, resumed, TOLERANCE)


def test_infobatch_resumes_on_the_gpu(demo_root, tmp_path):
    assert get_device() == 'cuda'
    full, resumed = infobatch.full_and_resumed(
        demo_root, tmp_path, configure=on_gpu)
    infobatch.assert_resumed_like_full(full, resumed, TOLERANCE)
