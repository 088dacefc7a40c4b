# Copyright (c) mmpfb contributors. All rights reserved.
"""PerSampleLoss against the host losses: see
tests/test_baselines/test_infobatch/test_infobatch_losses.py (through the
InfoBatch models) and tests/test_models/test_blocking/test_loss_memory.py
(through PFB's loss memory)."""
import pytest
import torch.nn as nn

from mmpfb.models.losses import PerSampleLoss


def test_loss_without_reduction_override_is_refused():

    class Plain(nn.Module):

        def forward(self, pred, target):
            return pred.sum()

    with pytest.raises(TypeError, match='Plain'):
        PerSampleLoss(Plain())
