# Copyright (c) mmpfb contributors. All rights reserved.
from typing import Optional

from .partial_forward_blocking import PartialForwardBlocking


class PFBModelMixin:
    """What every host model with PFB shares: the blocker around its
    backbone and the run-time switch that :class:`PFBHook` drives.

    The host class calls :meth:`init_blocker` after its own constructor
    has built ``self.backbone``.
    """

    def init_blocker(self, pfb: dict) -> None:
        """Build ``self.blocker`` from the config's ``pfb`` dict.

        Args:
            pfb (dict): Keyword arguments of :class:`PartialForwardBlocking`
                except the backbone, e.g.
                ``dict(prune_ratio=0.3, block_stage=3)``.
        """
        if not isinstance(pfb, dict):
            raise TypeError('pfb must be a dict of PartialForwardBlocking '
                            f'arguments, but got {pfb!r}')
        self.blocker = PartialForwardBlocking(self.backbone, **pfb)

    def set_pruning(self,
                    enabled: Optional[bool] = None,
                    prune_ratio: Optional[float] = None) -> None:
        """Run-time switch; see
        :meth:`PartialForwardBlocking.set_pruning`."""
        self.blocker.set_pruning(enabled=enabled, prune_ratio=prune_ratio)
