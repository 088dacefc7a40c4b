# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny MMSegmentation models and batches for tests (CPU, seconds)."""
import copy
from typing import List, Optional, Tuple

import torch
from mmengine.config import ConfigDict
from torch import Tensor

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
    hrnet=dict(
        type='HRNet',
        norm_cfg=NORM_CFG,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(1, ),
                num_channels=(8, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(1, 1),
                num_channels=(4, 8)),
            stage3=dict(
                num_modules=1,
                num_branches=3,
                block='BASIC',
                num_blocks=(1, 1, 1),
                num_channels=(4, 8, 16)),
            stage4=dict(
                num_modules=1,
                num_branches=4,
                block='BASIC',
                num_blocks=(1, 1, 1, 1),
                num_channels=(4, 8, 16, 32)))),
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
)


def backbone_channels(name: str) -> List[int]:
    """Output channels of each stage of a tiny backbone."""
    cfg = TINY_BACKBONES[name]
    if name == 'resnet':
        return [cfg['base_channels'] * 2**i for i in range(4)]
    if name == 'mit':
        return [cfg['embed_dims'] * h for h in cfg['num_heads']]
    return [cfg['embed_dims'] * 2**i for i in range(4)]


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
    if with_neck:
        neck = dict(
            type='MultiLevelNeck',
            in_channels=channels,
            out_channels=16,
            scales=[1, 1, 1, 1])
        channels = [16] * 4
    common = dict(
        norm_cfg=NORM_CFG, num_classes=num_classes, align_corners=False)
    if decode_head == 'aspp':
        head = dict(
            type='ASPPHead',
            in_channels=channels[3],
            in_index=3,
            channels=8,
            dilations=(1, 2),
            dropout_ratio=0.1,
            **common)
    elif decode_head == 'sep_aspp':
        head = dict(
            type='DepthwiseSeparableASPPHead',
            in_channels=channels[3],
            in_index=3,
            channels=8,
            dilations=(1, 2),
            c1_in_channels=channels[0],
            c1_channels=4,
            dropout_ratio=0.1,
            **common)
    else:
        head = dict(
            type='FCNHead',
            in_channels=channels[3],
            in_index=3,
            channels=8,
            num_convs=1,
            **common)
    aux = [
        dict(
            type='FCNHead',
            in_channels=channels[2 - i],
            in_index=2 - i,
            channels=4,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.1,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4),
            **common) for i in range(num_aux_heads)
    ]
    cfg = dict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255),
        backbone=copy.deepcopy(TINY_BACKBONES[backbone]),
        decode_head=head,
        train_cfg=dict(),
        test_cfg=ConfigDict(mode='whole'))
    if with_neck:
        cfg['neck'] = neck
    if num_aux_heads == 1:
        cfg['auxiliary_head'] = aux[0]
    elif num_aux_heads > 1:
        cfg['auxiliary_head'] = aux
    if pfb is not None:
        cfg.update(type='mmpfb.PFBEncoderDecoder', pfb=pfb)
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
