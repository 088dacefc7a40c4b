# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny MMPretrain models and batches for tests (CPU, seconds)."""
import copy
from typing import Optional, Tuple

import torch
from torch import Tensor

from .tiny_hrnet import TINY_HRNET_EXTRA

TINY_CLS_BACKBONES = dict(
    resnet_cifar=dict(
        type='ResNet_CIFAR',
        depth=18,
        base_channels=8,
        stem_channels=8,
        out_indices=(3, )),
    resnet=dict(
        type='ResNetV1d',
        depth=18,
        base_channels=8,
        stem_channels=8,
        out_indices=(3, )),
    swin=dict(
        type='SwinTransformer',
        arch=dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4]),
        img_size=32,
        window_size=2,
        pad_small_map=True,
        out_indices=(3, )),
    vit=dict(
        type='VisionTransformer',
        arch=dict(
            embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
        img_size=32,
        patch_size=8,
        out_indices=(0, 1)),
    deit=dict(
        type='DistilledVisionTransformer',
        arch=dict(
            embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
        img_size=32,
        patch_size=8,
        out_indices=(0, 1)),
    deit3=dict(
        type='DeiT3',
        arch=dict(
            embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
        img_size=32,
        patch_size=8,
        out_indices=(0, 1)),
    beit=dict(
        type='BEiTViT',
        arch=dict(
            embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
        img_size=32,
        patch_size=8,
        use_shared_rel_pos_bias=True,
        use_rel_pos_bias=False,
        out_indices=(0, 1)),
    convnext=dict(
        type='ConvNeXt',
        arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 32, 64]),
        out_indices=(0, 1, 2, 3),
        gap_before_final_norm=False),
    hrnet=dict(type='HRNet', extra=TINY_HRNET_EXTRA),
    mobilenet_v2=dict(
        type='MobileNetV2', widen_factor=0.25, out_indices=(2, 7)),
    mobilenet_v3=dict(
        type='MobileNetV3', arch='small', out_indices=(0, 3, 12)),
    efficientnet=dict(type='EfficientNet', arch='b0', out_indices=(2, 6)),
    regnet=dict(
        type='RegNet',
        arch=dict(w0=8, wa=64.0, wm=2.0, group_w=8, depth=4, bot_mul=1.0),
        out_indices=(0, 1, 2, 3)),
    poolformer=dict(
        type='PoolFormer',
        arch=dict(
            layers=[1, 1, 1, 1],
            embed_dims=[8, 16, 32, 64],
            mlp_ratios=[2, 2, 2, 2],
            layer_scale_init_value=1e-5),
        out_indices=(0, 2, 4, 6)),
    resnest=dict(
        type='ResNeSt',
        depth=50,
        stem_channels=8,
        base_channels=4,
        radix=2,
        reduction_factor=4,
        out_indices=(0, 1, 2, 3)),
)
TINY_CLS_CHANNELS = dict(resnet_cifar=64, resnet=64, swin=64)


def tiny_classifier_cfg(backbone: str = 'resnet_cifar',
                        pfb: Optional[dict] = None,
                        num_classes: int = 5,
                        augments: bool = False) -> dict:
    """Config of a tiny (PFB)ImageClassifier.

    Args:
        backbone (str): A key of :data:`TINY_CLS_BACKBONES`.
            Defaults to ``'resnet_cifar'``.
        pfb (dict, optional): PFB arguments; None gives mmpretrain's own
            ``ImageClassifier``. Defaults to None.
        num_classes (int): Classes. Defaults to 5.
        augments (bool): Mixup and CutMix batch augments with a label
            smoothing loss. Defaults to False.
    """
    loss = dict(
        type='LabelSmoothLoss', label_smooth_val=0.1,
        mode='original') if augments else dict(
            type='CrossEntropyLoss', loss_weight=1.0)
    cfg = dict(
        type='ImageClassifier',
        data_preprocessor=dict(
            type='ClsDataPreprocessor',
            num_classes=num_classes,
            mean=[125.3, 123.0, 113.9],
            std=[63.0, 62.1, 66.7],
            to_rgb=False),
        backbone=copy.deepcopy(TINY_CLS_BACKBONES[backbone]),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=TINY_CLS_CHANNELS[backbone],
            loss=loss))
    if augments:
        cfg['train_cfg'] = dict(augments=[
            dict(type='Mixup', alpha=0.8),
            dict(type='CutMix', alpha=1.0)
        ])
    if pfb is not None:
        cfg.update(type='mmpfb.PFBImageClassifier', pfb=pfb)
    return cfg


def tiny_cls_batch(batch_size: int,
                   size: Tuple[int, int] = (32, 32),
                   num_classes: int = 5,
                   seed: int = 0) -> Tuple[Tensor, list]:
    """Inputs and ``DataSample``s with random labels.

    Each sample carries ``metainfo['sample_idx']`` so tests can tell
    which samples reached the head.
    """
    from mmpretrain.structures import DataSample

    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(batch_size, 3, *size, generator=gen)
    labels = torch.randint(num_classes, (batch_size, ), generator=gen)
    samples = [
        DataSample(metainfo=dict(sample_idx=i)).set_gt_label(int(label))
        for i, label in enumerate(labels)
    ]
    return inputs, samples
