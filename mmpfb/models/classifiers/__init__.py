# Copyright (c) mmpfb contributors. All rights reserved.
from .pfb_image_classifier import PFBImageClassifier

__all__ = ['PFBImageClassifier']
