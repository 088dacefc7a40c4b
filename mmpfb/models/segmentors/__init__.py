# Copyright (c) mmpfb contributors. All rights reserved.
from .pfb_cascade_encoder_decoder import PFBCascadeEncoderDecoder
from .pfb_encoder_decoder import PFBEncoderDecoder

__all__ = ['PFBEncoderDecoder', 'PFBCascadeEncoderDecoder']
