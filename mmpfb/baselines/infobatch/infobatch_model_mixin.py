# Copyright (c) mmpfb contributors. All rights reserved.
from functools import partial
from typing import Callable, List, Optional, Tuple

import torch
from torch import Tensor

from mmpfb.models.losses import PerSampleLossMixin

#: Metainfo keys that :class:`mmpfb.baselines.infobatch.InfoBatchHook` stamps
#: on each data sample of a training batch.
INDEX_KEY = 'infobatch_index'
WEIGHT_KEY = 'infobatch_weight'


class InfoBatchModelMixin(PerSampleLossMixin):
    """What every host model with InfoBatch shares: its loss modules
    weight each sample and record each sample's score.

    The host class calls :meth:`init_per_sample_losses` after its own
    constructor and runs its parent's ``loss`` through
    :meth:`infobatch_loss` (:meth:`scored_loss` with InfoBatch's
    weights). After a training step ``infobatch_record`` holds the
    batch's data set indices and scores for the hook.
    """

    infobatch_record: Optional[Tuple[List[int], Tensor]] = None

    @staticmethod
    def check_no_pfb(pfb: Optional[dict]) -> None:
        """Refuse a ``pfb`` argument with a clear message."""
        if pfb is not None:
            raise TypeError(
                'InfoBatch models do not combine with Partial Forward '
                f'Blocking: got pfb={pfb!r}; use an mmpfb.PFB* model '
                'without the InfoBatch sampler, or this model without pfb')

    def loss(self, inputs: Tensor, data_samples: list) -> dict:
        """The host parent's ``loss``, each sample's share weighted by
        the weight InfoBatch stamped in its data sample's metainfo
        (:meth:`infobatch_loss`)."""
        return self.infobatch_loss(data_samples,
                                   partial(super().loss, inputs, data_samples))

    def infobatch_loss(self, data_samples: list,
                       compute: Callable[[], dict]) -> dict:
        """Run ``compute`` (the parent's ``loss``) with the weights that
        the hook stamped on ``data_samples``; keep the scores.

        Args:
            data_samples (list): The batch's data samples.
            compute (Callable[[], dict]): The parent's loss computation.

        Returns:
            dict: The parent's losses, each the weighted sum of its
            per-sample shares.
        """
        missing = [
            i for i, sample in enumerate(data_samples)
            if WEIGHT_KEY not in sample.metainfo
        ]
        if missing:
            raise RuntimeError(
                f'{type(self).__name__} needs the InfoBatch sampler and '
                "dict(type='mmpfb.InfoBatchHook') in custom_hooks: data "
                f'samples {missing} carry no {WEIGHT_KEY!r}')
        weights = torch.tensor(
            [sample.metainfo[WEIGHT_KEY] for sample in data_samples])
        losses, scores = self.scored_loss(weights, compute)
        self.infobatch_record = ([
            sample.metainfo[INDEX_KEY] for sample in data_samples
        ], scores.cpu())
        return losses
