# Copyright (c) mmpfb contributors. All rights reserved.
"""A backbone no splitter covers, for the tests of the build error."""
import torch.nn as nn

NAME = 'UnsplittableNet'


class UnsplittableNet(nn.Module):
    """One convolution; its output is the backbone's only output."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)

    def forward(self, x):
        return (self.conv(x), )


def register_unsplittable(registry) -> str:
    """Register :class:`UnsplittableNet` in ``registry`` (again, if a
    test did before); return its name."""
    registry.register_module(name=NAME, module=UnsplittableNet, force=True)
    return NAME
