# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny MMPretrain models and batches for tests (CPU, seconds)."""
import copy
from typing import Optional, Tuple

import torch
from torch import Tensor

TINY_CLS_BACKBONES = dict(
    resnet_cifar=dict(
        type='ResNet_CIFAR', depth=18, base_channels=8, stem_channels=8,
        out_indices=(3, )),
    resnet=dict(
        type='ResNetV1d', depth=18, base_channels=8, stem_channels=8,
        out_indices=(3, )),
    swin=dict(
        type='SwinTransformer',
        arch=dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4]),
        img_size=32,
        window_size=2,
        pad_small_map=True,
        out_indices=(3, )),
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
    loss = dict(type='LabelSmoothLoss', label_smooth_val=0.1,
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
