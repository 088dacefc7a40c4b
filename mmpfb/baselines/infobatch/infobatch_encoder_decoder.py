# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional, Tuple

import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS as MMSEG_MODELS

from mmpfb.models.losses import segmentor_loss_slots
from mmpfb.registry import MODELS
from .infobatch_model_mixin import InfoBatchModelMixin


@MODELS.register_module()
class InfoBatchEncoderDecoder(InfoBatchModelMixin, EncoderDecoder):
    """:class:`mmseg.models.EncoderDecoder` trained with InfoBatch.

    Every loss module of the decode head and of each auxiliary head is
    wrapped in :class:`~mmpfb.models.losses.PerSampleLoss`: each image's
    share of each loss is weighted by the weight InfoBatch gave the
    image, and the image's score is the sum over the losses of its mean
    over its valid pixels (``loss_weight`` and class weights included).
    With all weights 1 the losses are the parent's. The rest, inference
    included, is the parent's.

    .. code:: text

     loss(): infobatch_loss(EncoderDecoder.loss)
             -> decode head / auxiliary heads loss_by_feat
                -> PerSampleLoss(host loss) for each loss module

    Args:
        pfb (dict, optional): Refused with a clear error: InfoBatch does
            not combine with PFB. Defaults to None.
        **kwargs: The arguments of :class:`mmseg.models.EncoderDecoder`.
    """

    def __init__(self, pfb: Optional[dict] = None, **kwargs) -> None:
        self.check_no_pfb(pfb)
        super().__init__(**kwargs)
        self.init_per_sample_losses()

    def _loss_slots(self) -> Iterator[Tuple[nn.Module, str]]:
        return segmentor_loss_slots(self)


MMSEG_MODELS.register_module(module=InfoBatchEncoderDecoder)
