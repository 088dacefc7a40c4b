# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from .backbone_splitter import BackboneSplitter, ShallowState


class SwinSplitter(BackboneSplitter):
    """Splitter for OpenMMLab Swin Transformers, whatever the host.

    Stage 0 is the patch embedding (with the absolute position embedding
    and its dropout); stage ``i`` is ``stages[i - 1]``. The scored feature
    of a stage is the tokens it outputs; the deep part continues from the
    merged tokens. Host subclasses embed the patches, run the stages and
    say which container the backbone returns.
    """

    min_stage = 0
    outputs_type: type = tuple

    def num_stages(self, backbone: nn.Module) -> int:
        return len(backbone.stages)

    def _embed(self, backbone: nn.Module,
               inputs: Tensor) -> Tuple[Tensor, tuple]:
        """Patch embedding, position embedding and its dropout."""
        raise NotImplementedError

    def _run_stages(self, backbone: nn.Module, x: Tensor, hw_shape: tuple,
                    stages: range, outs: list) -> Tuple[Tensor, tuple, Tensor]:
        """Run ``stages``, appending the backbone's outputs to ``outs``;
        return the merged tokens, their shape and the scored tokens."""
        raise NotImplementedError

    def forward_shallow(self, backbone: nn.Module,
                        inputs: Tensor) -> ShallowState:
        x, hw_shape = self._embed(backbone, inputs)
        outs = []
        x, hw_shape, feature = self._run_stages(backbone, x, hw_shape,
                                                range(self.block_stage),
                                                outs)
        return ShallowState(
            feature=feature, carry=x, outs=outs, meta=dict(hw_shape=hw_shape))

    def forward_deep(self, backbone: nn.Module,
                     state: ShallowState) -> Sequence[Tensor]:
        outs = list(state.outs)
        self._run_stages(backbone, state.carry, state.meta['hw_shape'],
                         range(self.block_stage, len(backbone.stages)), outs)
        return self.outputs_type(outs)

    def shallow_modules(self, backbone: nn.Module) -> Iterator[nn.Module]:
        yield from backbone.patch_embed.modules()
        yield from backbone.drop_after_pos.modules()
        for stage in backbone.stages[:self.block_stage]:
            yield from stage.modules()
        for i in range(self.block_stage):
            if i in backbone.out_indices:
                yield from getattr(backbone, f'norm{i}').modules()
