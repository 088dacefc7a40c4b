# Copyright (c) mmpfb contributors. All rights reserved.
from .pfb_encoder_decoder import PFBEncoderDecoder

__all__ = ['PFBEncoderDecoder']
