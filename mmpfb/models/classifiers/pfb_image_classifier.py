# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, List, Sequence, Tuple

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
    """:class:`mmpretrain.models.ImageClassifier` trained with Partial
    Forward Blocking.

    In training mode the backbone's shallow stages run on the whole
    batch; the samples the density estimator finds most common are
    dropped there, and only the kept ones go on through the deep stages,
    the neck, the head, the loss and the backward pass. Batch augments
    (mixup, cutmix) run in the data preprocessor on the whole batch, so
    the kept samples carry their mixed targets. The rest, inference
    included, is the parent's.

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
        pfb (dict): PFB options, e.g. ``dict(prune_ratio=0.3,
            block_stage=1)``; see :meth:`PartialForwardBlocking.from_config`.
        **kwargs: The arguments of
            :class:`mmpretrain.models.ImageClassifier`; ``backbone`` must
            be one that ``docs/backbones.md`` lists.
    """

    index_hint = ("MMPretrain's PackInputs packs it by default: keep "
                  "'sample_idx' in its meta_keys")

    def __init__(self, pfb: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        self.init_blocker(pfb)

    def modules_after_block(self) -> Iterator[nn.Module]:
        if self.with_neck:
            yield self.neck
        if self.with_head:
            yield self.head

    def _loss_slots(self) -> Iterator[Tuple[nn.Module, str]]:
        return classifier_loss_slots(self)

    def head_losses(self, feats: Sequence[Tensor],
                    data_samples: List[DataSample]) -> dict:
        return self.head.loss(feats, data_samples)

    def weighted_head_losses(self, feats: Sequence[Tensor],
                             data_samples: List[DataSample],
                             weights: Tensor) -> dict:
        """The weights go to the head's loss module as ``weight``
        (``ClsHead`` and the MMPretrain losses that take per-sample
        weights)."""
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
