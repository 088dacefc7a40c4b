# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.structures import DataSample
from torch import Tensor

from mmpfb.registry import MODELS, register_in_host_scopes
from ..blocking import PFBModelMixin
from ..losses import classifier_loss_slots


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

     loss(): training mode?  (see PFBModelMixin)
       yes: blocker() -> neck (optional)
            -> head_losses(): head.loss(kept samples)
               (weighted_head_losses(): head.loss(..., weight=w))
       no:  ImageClassifier.loss()

    With ``pfb.loss_memory_weight`` the head's loss module is wrapped in
    :class:`~mmpfb.models.losses.PerSampleLoss` (as InfoBatch's): each
    kept sample's loss, soft targets included, is remembered by its
    ``sample_idx``, which MMPretrain's ``PackInputs`` packs by default.

    Args:
        backbone (dict): Backbone config; see ``docs/backbones.md`` for
            the supported ones.
        pfb (dict): PFB options, e.g. ``dict(prune_ratio=0.3,
            block_stage=1)``; see :meth:`PartialForwardBlocking.from_config`.
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

    index_hint = ("MMPretrain's PackInputs packs it by default: keep "
                  "'sample_idx' in its meta_keys")

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

    def modules_after_block(self) -> Iterator[nn.Module]:
        """Neck and head."""
        if self.with_neck:
            yield self.neck
        if self.with_head:
            yield self.head

    def _loss_slots(self) -> Iterator[Tuple[nn.Module, str]]:
        """The head's loss module, for ``pfb.loss_memory_weight``."""
        return classifier_loss_slots(self)

    def head_losses(self, feats: Sequence[Tensor],
                    data_samples: List[DataSample]) -> dict:
        """The head's losses."""
        return self.head.loss(feats, data_samples)

    def weighted_head_losses(self, feats: Sequence[Tensor],
                             data_samples: List[DataSample],
                             weights: Tensor) -> dict:
        """The head's losses with a weight per sample, passed to the
        head's loss module as ``weight`` (``ClsHead`` and the MMPretrain
        losses that take per-sample weights)."""
        return self.head.loss(feats, data_samples, weight=weights)

    def sample_classes(self, data_samples: List[DataSample]) -> Tensor:
        """Each sample's first ``gt_label`` (the original label also
        under mixup or cutmix), else the largest ``gt_score``."""
        classes = [
            s.gt_label[0] if 'gt_label' in s else s.gt_score.argmax()
            for s in data_samples
        ]
        return torch.stack(classes).long().cpu()


register_in_host_scopes('MODELS', PFBImageClassifier)
