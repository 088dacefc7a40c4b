# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils import is_installed
from .backbone_splitter import (BackboneSplitter, ShallowState, build_splitter,
                                register_splitter)
from .partial_forward_blocking import (CRITERIA, SHALLOW_GRAD_MODES,
                                       BlockingResult, PartialForwardBlocking,
                                       frozen_norm_statistics,
                                       has_single_sample_unsafe_norm)
from .pfb_model_mixin import PFBModelMixin
from .resnet_splitter import ResNetSplitter
from .swin_splitter import SwinSplitter

__all__ = [
    'BackboneSplitter', 'ShallowState', 'build_splitter', 'register_splitter',
    'CRITERIA', 'SHALLOW_GRAD_MODES', 'BlockingResult',
    'PartialForwardBlocking', 'frozen_norm_statistics',
    'has_single_sample_unsafe_norm', 'PFBModelMixin', 'ResNetSplitter',
    'SwinSplitter'
]

if is_installed('mmseg'):
    from .mmseg_mit_splitter import MMSegMiTSplitter
    from .mmseg_resnet_splitter import MMSegResNetSplitter
    from .mmseg_swin_splitter import MMSegSwinSplitter
    __all__ += ['MMSegMiTSplitter', 'MMSegResNetSplitter', 'MMSegSwinSplitter']

if is_installed('mmpretrain'):
    from .mmpretrain_resnet_splitter import (MMPretrainResNetCIFARSplitter,
                                             MMPretrainResNetSplitter)
    from .mmpretrain_swin_splitter import MMPretrainSwinSplitter
    __all__ += [
        'MMPretrainResNetCIFARSplitter', 'MMPretrainResNetSplitter',
        'MMPretrainSwinSplitter'
    ]
