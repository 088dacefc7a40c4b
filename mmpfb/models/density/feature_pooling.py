# Copyright (c) mmpfb contributors. All rights reserved.
import torch.nn.functional as F
from torch import Tensor


def pool_representation(feature: Tensor, feat_dim: int) -> Tensor:
    """Pool a stage map to the short vector that PFB scores
    (``docs/design.md`` 1, item 2).

    The spatial mean (token mean for ``(N, L, C)`` transformer tokens) is
    followed by average pooling over contiguous channel groups down to
    ``min(feat_dim, C)`` dims. The result is detached float32.

    Args:
        feature (Tensor): ``(N, C, H, W)`` map or ``(N, L, C)`` tokens.
        feat_dim (int): Target dimension ``D``.

    Returns:
        Tensor: Representation of shape ``(N, min(feat_dim, C))``.
    """
    feature = feature.detach()
    if feature.dim() == 4:
        x = feature.float().mean(dim=(2, 3))
    elif feature.dim() == 3:
        x = feature.float().mean(dim=1)
    else:
        raise ValueError('expected an (N, C, H, W) map or (N, L, C) tokens, '
                         f'but got shape {tuple(feature.shape)}')
    out_dim = min(feat_dim, x.size(1))
    if out_dim == x.size(1):
        return x
    return F.adaptive_avg_pool1d(x.unsqueeze(1), out_dim).squeeze(1)
