# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional

import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor

from mmpfb.registry import MODELS
from ..blocking import PFBModelMixin


@MODELS.register_module()
class PFBEncoderDecoder(PFBModelMixin, EncoderDecoder):
    """EncoderDecoder trained with Partial Forward Blocking.

    The backbone's shallow stages run on the whole batch; the samples the
    density estimator finds most common are dropped there, and only the
    kept ones go on through the deep stages, the neck, every head, the
    losses and the backward pass. Inference (``predict``, ``_forward``,
    whole/slide modes, test-time augmentation) is the parent's.

    .. code:: text

     loss(): blocker() -> neck (optional)
             -> _decode_head_forward_train(kept samples)
             -> _auxiliary_head_forward_train(kept samples) (optional)
     blocker(): shallow stages (all) -> select -> deep stages (kept)

    Args:
        backbone (ConfigType): Backbone config; see
            :class:`PartialForwardBlocking` for the supported ones.
        decode_head (ConfigType): Decode head config.
        pfb (ConfigType): Keyword arguments of
            :class:`PartialForwardBlocking` except the backbone, e.g.
            ``dict(prune_ratio=0.3, block_stage=3)``.
        neck (OptConfigType): Neck config. Defaults to None.
        auxiliary_head (OptConfigType): Auxiliary head config(s).
            Defaults to None.
        train_cfg (OptConfigType): Training config. Defaults to None.
        test_cfg (OptConfigType): Testing config. Defaults to None.
        data_preprocessor (OptConfigType): Data preprocessor config.
            Defaults to None.
        pretrained (str, optional): Pretrained backbone weights.
            Defaults to None.
        init_cfg (OptMultiConfig): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 pfb: ConfigType,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg)
        self.init_blocker(pfb)

    def _modules_after_block(self) -> Iterator[nn.Module]:
        """Modules besides the backbone that see only the kept samples."""
        if self.with_neck:
            yield self.neck
        yield self.decode_head
        if self.with_auxiliary_head:
            yield self.auxiliary_head

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of the kept samples, plus the pruning statistics.

        Args:
            inputs (Tensor): Input images of shape (N, C, H, W).
            data_samples (list[:obj:`SegDataSample`]): Their data samples.

        Returns:
            dict[str, Tensor]: Losses, and ``pfb_keep_num``,
            ``pfb_keep_ratio`` and ``pfb_score_time``.
        """
        result = self.blocker(
            self.backbone, inputs, after_block=self._modules_after_block())
        x = result.feats
        if self.with_neck:
            x = self.neck(x)
        kept_samples = result.select(data_samples)

        losses = dict()
        losses.update(self._decode_head_forward_train(x, kept_samples))
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, kept_samples))
        losses.update(result.stats)
        return losses


MMSEG_MODELS.register_module(module=PFBEncoderDecoder)
