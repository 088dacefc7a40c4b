# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Optional

from mmseg.models.segmentors import CascadeEncoderDecoder
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig

from mmpfb.registry import MODELS, register_in_host_scopes
from .pfb_encoder_decoder import PFBEncoderDecoder


@MODELS.register_module()
class PFBCascadeEncoderDecoder(PFBEncoderDecoder, CascadeEncoderDecoder):
    """CascadeEncoderDecoder (OCRNet, PointRend) trained with Partial
    Forward Blocking.

    The backbone's shallow stages run on the whole batch; only the kept
    samples go on through the deep stages, the neck, every cascade stage
    of the decode head (each stage's loss and the outputs it hands to the
    next), the auxiliary heads, the losses and the backward pass; only in
    training mode. Inference is the parent's.

    The PFB part is :class:`PFBEncoderDecoder`'s: its
    :meth:`~PFBEncoderDecoder.head_losses` calls
    ``_decode_head_forward_train``, which is
    :class:`~mmseg.models.segmentors.CascadeEncoderDecoder`'s here.

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
        num_stages (int): How many decode heads are cascaded.
        backbone (ConfigType): Backbone config; see ``docs/backbones.md``
            for the supported ones.
        decode_head (list[ConfigType]): One config per cascade stage.
        pfb (ConfigType): PFB options, e.g.
            ``dict(prune_ratio=0.3, block_stage=3)``; see
            :meth:`PartialForwardBlocking.from_config`.
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
                 num_stages: int,
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
        # PFBEncoderDecoder's constructor builds a plain EncoderDecoder;
        # the cascade parent builds this one.
        CascadeEncoderDecoder.__init__(
            self,
            num_stages=num_stages,
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


register_in_host_scopes('MODELS', PFBCascadeEncoderDecoder)
