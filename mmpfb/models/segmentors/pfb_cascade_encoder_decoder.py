# Copyright (c) mmpfb contributors. All rights reserved.
from mmseg.models.segmentors import CascadeEncoderDecoder
from mmseg.utils import ConfigType

from mmpfb.registry import MODELS, register_in_host_scopes
from .pfb_encoder_decoder import PFBEncoderDecoder


@MODELS.register_module()
class PFBCascadeEncoderDecoder(PFBEncoderDecoder, CascadeEncoderDecoder):
    """:class:`mmseg.models.CascadeEncoderDecoder` (OCRNet, PointRend)
    trained with Partial Forward Blocking.

    The PFB part is :class:`PFBEncoderDecoder`'s: its
    :meth:`~PFBEncoderDecoder.head_losses` calls
    ``_decode_head_forward_train``, the cascade parent's here, so the
    kept samples go on through every cascade stage of the decode head
    (each stage's loss and the outputs it hands to the next). The rest,
    inference included, is the cascade parent's.

    .. code:: text

     loss(): training mode?  (see PFBModelMixin)
       yes: blocker() -> neck (optional)
            -> head_losses(): CascadeEncoderDecoder.
                              _decode_head_forward_train(kept samples)
                                decode_head[0].loss(kept)
                                decode_head[i].loss(kept, decode_head[i-1]
                                                    outputs on kept)
                              _auxiliary_head_forward_train(kept samples)
       no:  CascadeEncoderDecoder.loss()

    Args:
        pfb (ConfigType): PFB options, as for :class:`PFBEncoderDecoder`.
        **kwargs: The arguments of
            :class:`mmseg.models.CascadeEncoderDecoder`.
    """

    def __init__(self, pfb: ConfigType, **kwargs) -> None:
        # PFBEncoderDecoder's constructor builds a plain EncoderDecoder;
        # the cascade parent builds this one.
        CascadeEncoderDecoder.__init__(self, **kwargs)
        self.init_blocker(pfb)


register_in_host_scopes('MODELS', PFBCascadeEncoderDecoder)
