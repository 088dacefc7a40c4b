# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, List, Optional

import torch.nn as nn
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmpfb.registry import MODELS
from ..blocking import PFBModelMixin


@MODELS.register_module()
class PFBImageClassifier(PFBModelMixin, ImageClassifier):
    """ImageClassifier trained with Partial Forward Blocking.

    The backbone's shallow stages run on the whole batch; the samples the
    density estimator finds most common are dropped there, and only the
    kept ones go on through the deep stages, the neck, the head, the loss
    and the backward pass. Batch augments (mixup, cutmix) run in the data
    preprocessor on the whole batch, so the kept samples carry their mixed
    targets. Inference (``predict``, ``extract_feat``) is the parent's.

    .. code:: text

     loss(): blocker() -> neck (optional) -> head.loss(kept samples)
     blocker(): shallow stages (all) -> select -> deep stages (kept)

    Args:
        backbone (dict): Backbone config; see
            :class:`PartialForwardBlocking` for the supported ones.
        pfb (dict): Keyword arguments of :class:`PartialForwardBlocking`
            except the backbone, e.g. ``dict(prune_ratio=0.3,
            block_stage=1)``.
        neck (dict, optional): Neck config. Defaults to None.
        head (dict, optional): Head config. Defaults to None.
        pretrained (str, optional): Pretrained weights.
            Defaults to None.
        train_cfg (dict, optional): Training config (batch augments).
            Defaults to None.
        data_preprocessor (dict, optional): Data preprocessor config.
            Defaults to None.
        init_cfg (dict, optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 pfb: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            pretrained=pretrained,
            train_cfg=train_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.init_blocker(pfb)

    def _modules_after_block(self) -> Iterator[nn.Module]:
        """Modules besides the backbone that see only the kept samples."""
        if self.with_neck:
            yield self.neck
        if self.with_head:
            yield self.head

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        """Losses of the kept samples, plus the pruning statistics.

        Args:
            inputs (Tensor): Input images of shape (N, C, H, W).
            data_samples (list[:obj:`DataSample`]): Their data samples.

        Returns:
            dict[str, Tensor]: Losses, and ``pfb_keep_num``,
            ``pfb_keep_ratio`` and ``pfb_score_time``.
        """
        result = self.blocker(
            self.backbone, inputs, after_block=self._modules_after_block())
        feats = result.feats
        if self.with_neck:
            feats = self.neck(feats)
        losses = self.head.loss(feats, result.select(data_samples))
        losses.update(result.stats)
        return losses


MMPRETRAIN_MODELS.register_module(module=PFBImageClassifier)
