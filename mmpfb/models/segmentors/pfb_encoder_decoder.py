# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Iterator, Optional, Sequence, Tuple

import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from mmpfb.registry import MODELS, register_in_host_scopes
from ..blocking import PFBModelMixin, label_map_classes
from ..losses import segmentor_loss_slots


@MODELS.register_module()
class PFBEncoderDecoder(PFBModelMixin, EncoderDecoder):
    """:class:`mmseg.models.EncoderDecoder` trained with Partial Forward
    Blocking.

    In training mode the backbone's shallow stages run on the whole batch;
    the samples the density estimator finds most common are dropped
    there, and only the kept ones go on through the deep stages, the
    neck, every head, the losses and the backward pass. The rest,
    inference included, is the parent's.

    .. code:: text

     loss(): training mode?  (see PFBModelMixin)
       yes: blocker() -> neck (optional)
            -> head_losses(): _decode_head_forward_train(kept samples)
                              _auxiliary_head_forward_train(kept samples)
       no:  EncoderDecoder.loss()

    With ``pfb.loss_memory_weight`` every loss module of every head is
    wrapped in :class:`~mmpfb.models.losses.PerSampleLoss` (as
    InfoBatch's): each kept image's loss, the mean over its valid pixels
    summed over the losses, is remembered by its ``sample_idx``, which
    ``PackSegInputs`` must be told to pack (:attr:`index_hint`).

    Args:
        pfb (ConfigType): PFB options, e.g.
            ``dict(prune_ratio=0.3, block_stage=3)``; see
            :meth:`PartialForwardBlocking.from_config`.
        num_stages (int, optional): Cascade configs only: giving it (or a
            list of decode heads) is an error that names
            :class:`PFBCascadeEncoderDecoder`, the class for them.
            Defaults to None.
        **kwargs: The arguments of :class:`mmseg.models.EncoderDecoder`;
            ``backbone`` must be one that ``docs/backbones.md`` lists.
    """

    index_hint = (
        "MMSegmentation's PackSegInputs does not pack it by default: add "
        "'sample_idx' to its meta_keys, e.g. dict(type='PackSegInputs', "
        "meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape', "
        "'pad_shape', 'scale_factor', 'flip', 'flip_direction', "
        "'reduce_zero_label', 'sample_idx'))")

    def __init__(self,
                 pfb: ConfigType,
                 num_stages: Optional[int] = None,
                 **kwargs) -> None:
        decode_head = kwargs.get('decode_head')
        if num_stages is not None or isinstance(decode_head, (list, tuple)):
            raise TypeError(
                f'a cascade config (num_stages={num_stages!r}, decode_head '
                f'a {type(decode_head).__name__}) needs '
                "type='mmpfb.PFBCascadeEncoderDecoder' (OCRNet, PointRend); "
                'PFBEncoderDecoder takes EncoderDecoder configs, with one '
                'decode head')
        super().__init__(**kwargs)
        self.init_blocker(pfb)

    def modules_after_block(self) -> Iterator[nn.Module]:
        if self.with_neck:
            yield self.neck
        yield self.decode_head
        if self.with_auxiliary_head:
            yield self.auxiliary_head

    def _loss_slots(self) -> Iterator[Tuple[nn.Module, str]]:
        return segmentor_loss_slots(self)

    def head_losses(self, feats: Sequence[Tensor],
                    data_samples: SampleList) -> dict:
        losses = self._decode_head_forward_train(feats, data_samples)
        if self.with_auxiliary_head:
            losses.update(
                self._auxiliary_head_forward_train(feats, data_samples))
        return losses

    def sample_classes(self, data_samples: SampleList) -> Tensor:
        """The commonest class of each image's labelled pixels (the
        decode head's ``ignore_index`` left out); -1 for an image with
        none, a stratum of its own."""
        head = self.decode_head
        if isinstance(head, nn.ModuleList):  # cascade: the last stage's
            head = head[-1]
        return label_map_classes([s.gt_sem_seg.data for s in data_samples],
                                 head.num_classes,
                                 getattr(head, 'ignore_index', 255))


register_in_host_scopes('MODELS', PFBEncoderDecoder)
