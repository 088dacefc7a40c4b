# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional, Tuple

import torch.nn as nn
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS

from mmpfb.models.losses import classifier_loss_slots
from mmpfb.registry import MODELS
from .infobatch_model_mixin import InfoBatchModelMixin


@MODELS.register_module()
class InfoBatchImageClassifier(InfoBatchModelMixin, ImageClassifier):
    """:class:`mmpretrain.models.ImageClassifier` trained with InfoBatch.

    The head's loss module is wrapped in
    :class:`~mmpfb.models.losses.PerSampleLoss`: each sample's
    cross-entropy (soft targets of Mixup / CutMix and label smoothing
    included, as the host computes them) is its score and, times the
    weight InfoBatch gave it, its share of the loss. With all weights 1
    the loss is the parent's. The rest, inference included, is the
    parent's.

    .. code:: text

     loss(): infobatch_loss(ImageClassifier.loss)
             -> head.loss -> PerSampleLoss(head's loss module)

    Args:
        pfb (dict, optional): Refused with a clear error: InfoBatch does
            not combine with PFB. Defaults to None.
        **kwargs: The arguments of
            :class:`mmpretrain.models.ImageClassifier`.
    """

    def __init__(self, pfb: Optional[dict] = None, **kwargs) -> None:
        self.check_no_pfb(pfb)
        super().__init__(**kwargs)
        self.init_per_sample_losses()

    def _loss_slots(self) -> Iterator[Tuple[nn.Module, str]]:
        return classifier_loss_slots(self)


MMPRETRAIN_MODELS.register_module(module=InfoBatchImageClassifier)
