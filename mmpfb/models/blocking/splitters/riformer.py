# Copyright (c) mmpfb contributors. All rights reserved.
import torch.nn as nn

from mmpfb.registry import SPLITTERS
from .sequential import PoolFormerSplitter, _SequentialSplitter


@SPLITTERS.register_module()
class RIFormerSplitter(PoolFormerSplitter):
    """Splitter for MMPretrain's ``RIFormer``, whose ``forward`` is
    PoolFormer's: stage 0 is the patch embedding, stage ``i`` the
    ``i``-th block group of ``network`` with the downsampling embedding
    before it (if any); outputs go through ``norm{idx}``.

    The split reads the blocks the backbone holds at each call, so it
    holds after ``switch_to_deploy``.
    """

    backbones = ('mmpretrain.RIFormer', )

    def channels(self, backbone: nn.Module) -> int:
        """Output channels of the stage's last convolution (a block's
        MLP, or the patch embedding): RIFormer's norms may be of any
        type."""
        return _SequentialSplitter.channels(self, backbone)
