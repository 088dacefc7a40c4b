# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny MMSegmentation models and batches for tests (CPU, seconds)."""
import copy
from typing import List, Optional, Tuple, Union

import torch
from mmengine.config import ConfigDict
from torch import Tensor

from mmpfb.utils.arg_checks import check_choice
from .tiny_hrnet import TINY_HRNET_EXTRA

NORM_CFG = dict(type='BN', requires_grad=True)

TINY_BACKBONES = dict(
    resnet=dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=NORM_CFG,
        contract_dilation=True),
    mit=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=8,
        num_stages=4,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 4, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=2),
    swin=dict(
        type='SwinTransformer',
        pretrain_img_size=32,
        embed_dims=8,
        depths=[1, 1, 1, 1],
        num_heads=[1, 2, 2, 4],
        window_size=2,
        strides=(4, 2, 2, 2),
        out_indices=(0, 1, 2, 3)),
    unet=dict(
        type='UNet',
        base_channels=8,
        num_stages=4,
        strides=(1, 1, 1, 1),
        enc_num_convs=(1, 1, 1, 1),
        dec_num_convs=(1, 1, 1),
        downsamples=(True, True, True),
        enc_dilations=(1, 1, 1, 1),
        dec_dilations=(1, 1, 1),
        norm_cfg=NORM_CFG),
    vit=dict(
        type='VisionTransformer',
        img_size=32,
        patch_size=8,
        embed_dims=16,
        num_layers=2,
        num_heads=2,
        mlp_ratio=2,
        out_indices=(0, 1)),
    beit=dict(
        type='BEiT',
        img_size=32,
        patch_size=8,
        embed_dims=16,
        num_layers=2,
        num_heads=2,
        mlp_ratio=2,
        out_indices=(0, 1)),
    mae=dict(
        type='MAE',
        img_size=32,
        patch_size=8,
        embed_dims=16,
        num_layers=2,
        num_heads=2,
        mlp_ratio=2,
        out_indices=(0, 1)),
    hrnet=dict(type='HRNet', norm_cfg=NORM_CFG, extra=TINY_HRNET_EXTRA),
    mobilenet_v2=dict(
        type='MobileNetV2',
        widen_factor=0.25,
        strides=(1, 2, 2, 2, 1, 2, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(1, 2, 4, 6),
        norm_cfg=NORM_CFG),
    mobilenet_v3=dict(
        type='MobileNetV3',
        arch='small',
        out_indices=(0, 1, 12),
        norm_cfg=NORM_CFG),
    mscan=dict(
        type='MSCAN',
        embed_dims=[8, 16, 32, 64],
        mlp_ratios=[2, 2, 2, 2],
        depths=[1, 1, 1, 1],
        norm_cfg=NORM_CFG),
    pcpvt=dict(
        type='PCPVT',
        embed_dims=[8, 16, 32, 64],
        num_heads=[1, 2, 4, 8],
        mlp_ratios=[2, 2, 2, 2],
        depths=[1, 1, 1, 1],
        sr_ratios=[4, 2, 2, 1]),
    svt=dict(
        type='SVT',
        embed_dims=[8, 16, 32, 64],
        num_heads=[1, 2, 4, 8],
        mlp_ratios=[2, 2, 2, 2],
        depths=[2, 2, 2, 2],
        sr_ratios=[4, 2, 2, 1],
        windiow_sizes=[2, 2, 2, 2]),
    resnest=dict(
        type='ResNeSt',
        depth=50,
        stem_channels=8,
        base_channels=4,
        radix=2,
        reduction_factor=4,
        out_indices=(0, 1, 2, 3),
        norm_cfg=NORM_CFG),
    # real-time networks
    bisenetv1=dict(
        type='BiSeNetV1',
        backbone_cfg=dict(
            type='ResNet',
            depth=18,
            stem_channels=8,
            base_channels=8,
            out_indices=(0, 1, 2, 3),
            norm_cfg=NORM_CFG),
        spatial_channels=(4, 4, 4, 16),
        context_channels=(16, 32, 64),
        out_channels=16,
        norm_cfg=NORM_CFG),
    cgnet=dict(
        type='CGNet',
        num_channels=(4, 8, 16),
        num_blocks=(1, 2),
        reductions=(4, 4),
        norm_cfg=NORM_CFG),
    ddrnet=dict(type='DDRNet', channels=4, ppm_channels=4, norm_cfg=NORM_CFG),
    erfnet=dict(
        type='ERFNet',
        enc_downsample_channels=(4, 8, 16),
        enc_stage_non_bottlenecks=(1, 2),
        enc_non_bottleneck_dilations=(2, 4),
        enc_non_bottleneck_channels=(8, 16),
        dec_upsample_channels=(8, 4),
        dec_stages_non_bottleneck=(1, 1),
        dec_non_bottleneck_channels=(8, 4),
        norm_cfg=NORM_CFG),
    fast_scnn=dict(
        type='FastSCNN',
        downsample_dw_channels=(4, 8),
        global_in_channels=8,
        global_block_channels=(8, 12, 16),
        global_out_channels=16,
        higher_in_channels=8,
        lower_in_channels=16,
        fusion_out_channels=16,
        norm_cfg=NORM_CFG),
    icnet=dict(
        type='ICNet',
        backbone_cfg=dict(
            type='ResNetV1c',
            depth=18,
            stem_channels=8,
            base_channels=8,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=NORM_CFG,
            contract_dilation=True),
        layer_channels=(16, 64),
        light_branch_middle_channels=4,
        psp_out_channels=8,
        out_channels=(4, 8, 8),
        norm_cfg=NORM_CFG),
    pidnet=dict(
        type='PIDNet',
        channels=4,
        ppm_channels=4,
        num_branch_blocks=1,
        norm_cfg=NORM_CFG),
    stdc=dict(
        type='STDCNet',
        stdc_type='STDCNet1',
        in_channels=3,
        channels=(4, 8, 16, 32, 64),
        bottleneck_type='cat',
        norm_cfg=NORM_CFG,
        act_cfg=dict(type='ReLU')),
    stdc_context=dict(
        type='STDCContextPathNet',
        backbone_cfg=dict(
            type='STDCNet',
            stdc_type='STDCNet1',
            in_channels=3,
            channels=(4, 8, 16, 32, 64),
            bottleneck_type='cat',
            norm_cfg=NORM_CFG,
            act_cfg=dict(type='ReLU')),
        last_in_channels=(64, 32),
        out_channels=8,
        ffm_cfg=dict(in_channels=24, out_channels=16, scale_factor=4),
        norm_cfg=NORM_CFG),
)


def backbone_channels(name: str) -> List[int]:
    """Channels of each output of a tiny backbone (UNet's outputs run from
    the deepest decoder input to the full-resolution map)."""
    cfg = TINY_BACKBONES[name]
    if name == 'unet':
        return [
            cfg['base_channels'] * 2**i
            for i in reversed(range(cfg['num_stages']))
        ]
    if name == 'resnet':
        return [cfg['base_channels'] * 2**i for i in range(4)]
    if name == 'mit':
        return [cfg['embed_dims'] * h for h in cfg['num_heads']]
    return [cfg['embed_dims'] * 2**i for i in range(4)]


def _base_segmentor_cfg(segmentor: str, backbone: str,
                        decode_head: Union[dict, List[dict]]) -> dict:
    """The parts every tiny segmentor shares: data preprocessor, backbone,
    whole-image inference; heads and neck are the caller's."""
    return dict(
        type=segmentor,
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255),
        backbone=copy.deepcopy(TINY_BACKBONES[backbone]),
        decode_head=decode_head,
        train_cfg=dict(),
        test_cfg=ConfigDict(mode='whole'))


def _decode_head(decode_head: str, channels: List[int], common: dict) -> dict:
    """An ASPP, separable ASPP (reads stage 1 too) or FCN head on stage
    4."""
    if decode_head == 'aspp':
        return dict(
            type='ASPPHead',
            in_channels=channels[3],
            in_index=3,
            channels=8,
            dilations=(1, 2),
            dropout_ratio=0.1,
            **common)
    if decode_head == 'sep_aspp':
        return dict(
            type='DepthwiseSeparableASPPHead',
            in_channels=channels[3],
            in_index=3,
            channels=8,
            dilations=(1, 2),
            c1_in_channels=channels[0],
            c1_channels=4,
            dropout_ratio=0.1,
            **common)
    return dict(
        type='FCNHead',
        in_channels=channels[3],
        in_index=3,
        channels=8,
        num_convs=1,
        **common)


def _fcn_aux_heads(channels: List[int], deepest: int, num: int, extra: dict,
                   common: dict) -> List[dict]:
    """``num`` FCN auxiliary heads on stage ``deepest + 1`` and the ones
    below it, ``extra`` before their loss and ``common`` after it."""
    return [
        dict(
            type='FCNHead',
            in_channels=channels[deepest - i],
            in_index=deepest - i,
            channels=4,
            num_convs=1,
            concat_input=False,
            **extra,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4),
            **common) for i in range(num)
    ]


def _add_aux_heads(cfg: dict, heads: List[dict]) -> None:
    """One auxiliary head as a dict, several as a list, none left out."""
    if len(heads) == 1:
        cfg['auxiliary_head'] = heads[0]
    elif len(heads) > 1:
        cfg['auxiliary_head'] = heads


def tiny_segmentor_cfg(backbone: str = 'resnet',
                       pfb: Optional[dict] = None,
                       decode_head: str = 'aspp',
                       num_aux_heads: int = 1,
                       with_neck: bool = False,
                       num_classes: int = 4) -> dict:
    """Config of a tiny (PFB)EncoderDecoder.

    Args:
        backbone (str): A key of :data:`TINY_BACKBONES`.
            Defaults to ``'resnet'``.
        pfb (dict, optional): PFB arguments; None gives mmseg's own
            ``EncoderDecoder``. Defaults to None.
        decode_head (str): ``'aspp'`` (DeepLabV3, with image pooling),
            ``'sep_aspp'`` (DeepLabV3+, reads stage 1 too) or ``'fcn'``.
            Defaults to ``'aspp'``.
        num_aux_heads (int): FCN auxiliary heads on stage 3 (and 2).
            Defaults to 1.
        with_neck (bool): Put a 1x1 ``Feature2Pyramid``-free
            ``MultiLevelNeck`` between backbone and heads.
            Defaults to False.
        num_classes (int): Classes. Defaults to 4.
    """
    channels = backbone_channels(backbone)
    neck = None
    if with_neck:
        neck = dict(
            type='MultiLevelNeck',
            in_channels=channels,
            out_channels=16,
            scales=[1, 1, 1, 1])
        channels = [16] * 4
    common = dict(
        norm_cfg=NORM_CFG, num_classes=num_classes, align_corners=False)
    cfg = _base_segmentor_cfg('EncoderDecoder', backbone,
                              _decode_head(decode_head, channels, common))
    if neck is not None:
        cfg['neck'] = neck
    _add_aux_heads(
        cfg,
        _fcn_aux_heads(channels, 2, num_aux_heads, dict(dropout_ratio=0.1),
                       common))
    if pfb is not None:
        cfg.update(type='mmpfb.PFBEncoderDecoder', pfb=pfb)
    return cfg


CASCADE_MODELS = ('ocrnet', 'pointrend')


def _ocrnet_heads(channels: List[int], common: dict) -> List[dict]:
    """An FCN head on stage 3, then an OCR head on stage 4."""
    return [
        dict(
            type='FCNHead',
            in_channels=channels[2],
            in_index=2,
            channels=8,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.1,
            norm_cfg=NORM_CFG,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4),
            **common),
        dict(
            type='OCRHead',
            in_channels=channels[3],
            in_index=3,
            channels=8,
            ocr_channels=4,
            dropout_ratio=0.1,
            norm_cfg=NORM_CFG,
            **common)
    ]


def _pointrend_heads(common: dict) -> List[dict]:
    """An FPN head on the FPN neck's outputs, then a point head."""
    return [
        dict(
            type='FPNHead',
            in_channels=[8] * 4,
            in_index=[0, 1, 2, 3],
            feature_strides=[4, 8, 16, 32],
            channels=8,
            dropout_ratio=-1,
            norm_cfg=NORM_CFG,
            **common),
        dict(
            type='PointHead',
            in_channels=[8],
            in_index=[0],
            channels=8,
            num_fcs=2,
            coarse_pred_each_layer=True,
            dropout_ratio=-1,
            **common)
    ]


def _use_pointrend_setup(cfg: dict, channels: List[int]) -> None:
    """Undilated backbone (output stride 32), FPN neck, point sampling."""
    cfg['backbone'].update(dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2))
    cfg['neck'] = dict(
        type='FPN', in_channels=channels, out_channels=8, num_outs=4)
    cfg['train_cfg'] = ConfigDict(
        num_points=64, oversample_ratio=3, importance_sample_ratio=0.75)
    cfg['test_cfg'] = ConfigDict(
        mode='whole',
        subdivision_steps=2,
        subdivision_num_points=64,
        scale_factor=2)


def tiny_cascade_segmentor_cfg(model: str = 'ocrnet',
                               pfb: Optional[dict] = None,
                               num_aux_heads: int = 0,
                               num_classes: int = 4) -> dict:
    """Config of a tiny (PFB)CascadeEncoderDecoder on the tiny ResNetV1c,
    shaped like MMSegmentation's ``_base_/models`` of the same name.

    Args:
        model (str): ``'ocrnet'`` (FCN head on stage 3, then an OCR head
            on stage 4; dilated backbone) or ``'pointrend'`` (FPN neck,
            FPN head, then a point head; output stride 32).
            Defaults to ``'ocrnet'``.
        pfb (dict, optional): PFB arguments; None gives mmseg's own
            ``CascadeEncoderDecoder``. Defaults to None.
        num_aux_heads (int): FCN auxiliary heads on stage 2 (and 1).
            Defaults to 0.
        num_classes (int): Classes. Defaults to 4.
    """
    check_choice('model', model, CASCADE_MODELS)
    channels = backbone_channels('resnet')
    common = dict(num_classes=num_classes, align_corners=False)
    if model == 'ocrnet':
        heads = _ocrnet_heads(channels, common)
    else:
        heads = _pointrend_heads(common)
    cfg = _base_segmentor_cfg('CascadeEncoderDecoder', 'resnet', heads)
    cfg['num_stages'] = 2
    if model == 'pointrend':
        _use_pointrend_setup(cfg, channels)
    # auxiliary heads read the neck's outputs where there is one
    aux_channels = [8] * 4 if model == 'pointrend' else channels
    _add_aux_heads(
        cfg,
        _fcn_aux_heads(aux_channels, 1, num_aux_heads, dict(norm_cfg=NORM_CFG),
                       common))
    if pfb is not None:
        cfg.update(type='mmpfb.PFBCascadeEncoderDecoder', pfb=pfb)
    return cfg


def tiny_seg_batch(batch_size: int,
                   size: Tuple[int, int] = (32, 32),
                   num_classes: int = 4,
                   seed: int = 0) -> Tuple[Tensor, list]:
    """Normalised inputs and ``SegDataSample``s with random labels.

    Each sample carries ``metainfo['sample_idx']`` so tests can tell
    which samples reached a head.
    """
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    gen = torch.Generator().manual_seed(seed)
    h, w = size
    inputs = torch.randn(batch_size, 3, h, w, generator=gen)
    samples = []
    for i in range(batch_size):
        label = torch.randint(num_classes, (1, h, w), generator=gen)
        sample = SegDataSample(
            metainfo=dict(
                sample_idx=i, img_shape=size, pad_shape=size, ori_shape=size))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return inputs, samples
