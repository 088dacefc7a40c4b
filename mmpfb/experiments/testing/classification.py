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
    # convolutional networks that run their stages in a chain
    vgg=dict(
        type='VGG',
        depth=11,
        num_stages=3,
        dilations=(1, 1, 1),
        out_indices=(0, 2)),
    lenet5=dict(type='LeNet5'),
    alexnet=dict(type='AlexNet'),
    densenet=dict(
        type='DenseNet',
        arch=dict(growth_rate=4, depths=[1, 1, 1, 1], init_channels=8),
        out_indices=(0, 1, 2, 3)),
    inception_v3=dict(type='InceptionV3', num_classes=5),
    convmixer=dict(
        type='ConvMixer',
        arch=dict(embed_dims=8, depth=3, patch_size=4, kernel_size=3),
        out_indices=(0, 2)),
    # CSPNet is not registered (its subclasses, of fixed widths, are):
    # built by its import path, with identity blocks (each stage keeps
    # its own convolutions) and a norm as the stem
    cspnet=dict(
        type='mmpretrain.models.backbones.cspnet.CSPNet',
        arch=dict(
            block_fn=torch.nn.Identity,
            in_channels=(3, 8, 16),
            out_channels=(8, 16, 32),
            num_blocks=(1, 1, 1),
            expand_ratio=(2, 1, 1)),
        stem_fn=torch.nn.BatchNorm2d,
        out_indices=(0, 1, 2)),
    replknet=dict(
        type='RepLKNet',
        arch=dict(
            large_kernel_sizes=[5, 5, 3],
            layers=[1, 1, 1],
            channels=[8, 16, 32],
            small_kernel=3,
            dw_ratio=1),
        ffn_ratio=1,
        strides=(2, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(0, 1, 2)),
    # re-parameterisable, shuffling and mobile networks
    repvgg=dict(
        type='RepVGG',
        arch=dict(
            num_blocks=[1, 1, 1, 1],
            width_factor=[1, 1, 1, 1],
            group_layer_map=None,
            se_cfg=None,
            stem_channels=8),
        base_channels=8,
        out_indices=(0, 1, 2, 3)),
    mobileone=dict(
        type='MobileOne',
        arch=dict(
            num_blocks=[1, 1, 1, 1],
            width_factor=[0.125, 0.125, 0.125, 0.125],
            num_se_blocks=[0, 0, 0, 1],
            num_conv_branches=[2, 1, 1, 1]),
        out_indices=(0, 1, 2, 3)),
    riformer=dict(
        type='RIFormer',
        arch=dict(
            layers=[1, 1, 1, 1],
            embed_dims=[8, 16, 32, 64],
            mlp_ratios=[2, 2, 2, 2]),
        out_indices=[0, 2, 4, 6]),
    shufflenet_v1=dict(
        type='ShuffleNetV1',
        groups=2,
        widen_factor=0.25,
        out_indices=(0, 1, 2)),
    shufflenet_v2=dict(
        type='ShuffleNetV2', widen_factor=0.5, out_indices=(0, 1, 2, 3)),
    mobilevit=dict(
        type='MobileViT',
        arch=[['mobilenetv2', 8, 1, 1, 2], ['mobilenetv2', 8, 2, 1, 2],
              ['mobilevit', 16, 2, 16, 32, 1, 2]],
        stem_channels=8,
        last_exp_factor=2,
        out_indices=(1, 2)),
    # no attention block: its biases need a 7x7 last map (224x224 input)
    efficientformer=dict(
        type='EfficientFormer',
        arch=dict(
            layers=[1, 1, 1, 1],
            embed_dims=[8, 16, 32, 64],
            downsamples=[False, True, True, True],
            vit_num=0),
        reshape_last_feat=True,
        out_indices=[0, 1, 2, 3]),
    efficientformer_vit=dict(
        type='EfficientFormer',
        arch=dict(
            layers=[1, 1, 1, 1],
            embed_dims=[8, 16, 32, 64],
            downsamples=[False, True, True, True],
            vit_num=1),
        out_indices=[0, 3]),
    repmlp=dict(
        type='RepMLPNet',
        arch=dict(
            channels=[8, 16, 32, 64],
            depths=[1, 1, 1, 1],
            sharesets_nums=[1, 2, 4, 8]),
        img_size=32,
        out_indices=(0, 1, 2, 3)),
    edgenext=dict(
        type='EdgeNeXt',
        arch=dict(
            channels=[8, 16, 24, 32],
            depths=[1, 1, 1, 1],
            num_heads=[2, 2, 2, 2]),
        gap_before_final_norm=False,
        out_indices=[0, 1, 2, 3]),
    # hierarchical transformers and hybrids
    davit=dict(
        type='DaViT',
        arch=dict(embed_dims=8, depths=[1, 1, 1], num_heads=[1, 2, 2]),
        window_size=2,
        pad_small_map=True,
        out_indices=(0, 1, 2)),
    hivit=dict(
        type='HiViT',
        arch=dict(embed_dims=16, depths=[0, 0, 3], num_heads=2),
        img_size=32,
        out_indices=[2]),
    hornet=dict(
        type='HorNet',
        arch=dict(
            base_dim=8,
            depths=[1, 1, 1, 1],
            orders=[2, 2, 2, 2],
            dw_cfg=[dict(type='DW', kernel_size=3)] * 4),
        out_indices=(0, 1, 2, 3),
        gap_before_final_norm=False),
    van=dict(
        type='VAN',
        arch=dict(
            embed_dims=[8, 16, 32, 64],
            depths=[1, 1, 1, 1],
            ffn_ratios=[2, 2, 2, 2]),
        out_indices=(0, 1, 2, 3)),
    tinyvit=dict(
        type='TinyViT',
        arch=dict(
            channels=[8, 16, 32, 64],
            num_heads=[1, 2, 2, 4],
            depths=[1, 1, 1, 1]),
        img_size=(32, 32),
        window_size=[2, 2, 2, 2],
        out_indices=(0, 1, 2, 3),
        gap_before_final_norm=False),
    mvit=dict(
        type='MViT',
        arch=dict(
            embed_dims=8,
            num_layers=4,
            num_heads=1,
            downscale_indices=[1, 2, 3]),
        img_size=32,
        out_scales=[0, 1, 2, 3],
        use_abs_pos_embed=True),
    levit=dict(
        type='LeViT',
        arch='128s',
        img_size=32,
        attn_ratio=1,
        mlp_ratio=0,
        out_indices=(0, 1, 2)),
    pcpvt=dict(
        type='PCPVT',
        arch=dict(
            embed_dims=[8, 16, 32, 64],
            depths=[1, 1, 1, 1],
            num_heads=[1, 2, 4, 8],
            patch_sizes=[4, 2, 2, 2],
            strides=[4, 2, 2, 2],
            mlp_ratios=[2, 2, 2, 2],
            sr_ratios=[4, 2, 2, 1]),
        out_indices=(0, 1, 2, 3)),
    svt=dict(
        type='SVT',
        arch=dict(
            embed_dims=[8, 16, 32, 64],
            depths=[2, 2, 2, 2],
            num_heads=[1, 2, 4, 8],
            patch_sizes=[4, 2, 2, 2],
            strides=[4, 2, 2, 2],
            mlp_ratios=[2, 2, 2, 2],
            sr_ratios=[4, 2, 2, 1],
            window_sizes=[2, 2, 2, 2]),
        out_indices=(3, )),
    swin_v2=dict(
        type='SwinTransformerV2',
        arch=dict(
            embed_dims=8,
            depths=[1, 1, 1, 1],
            num_heads=[1, 2, 2, 4],
            extra_norm_every_n_blocks=0),
        img_size=32,
        window_size=2,
        pad_small_map=True,
        out_indices=(0, 1, 2, 3),
        use_abs_pos_embed=True),
    # token-sequence transformers and MLPs
    mlp_mixer=dict(
        type='MlpMixer',
        arch=dict(
            embed_dims=16,
            num_layers=2,
            tokens_mlp_dims=8,
            channels_mlp_dims=32),
        img_size=32,
        patch_size=8),
    t2t_vit=dict(
        type='T2T_ViT',
        img_size=32,
        embed_dims=16,
        num_layers=2,
        out_indices=(0, 1),
        t2t_cfg=dict(token_dims=8),
        layer_cfgs=dict(num_heads=2)),
    tnt=dict(
        type='TNT',
        arch=dict(
            embed_dims_outer=16,
            embed_dims_inner=8,
            num_layers=2,
            num_heads_outer=2,
            num_heads_inner=2),
        img_size=32),
    xcit=dict(
        type='XCiT',
        img_size=32,
        patch_size=8,
        embed_dims=16,
        depth=1,
        cls_attn_layers=1,
        num_heads=2,
        out_type='featmap',
        out_indices=(0, 1)),
    revvit=dict(
        type='RevVisionTransformer',
        arch=dict(
            embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
        img_size=32,
        patch_size=8),
    vit_eva02=dict(
        type='ViTEVA02',
        arch=dict(
            embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
        img_size=32,
        patch_size=8,
        out_indices=(0, 1)),
    vit_sam=dict(
        type='ViTSAM',
        arch=dict(
            embed_dims=16,
            num_layers=2,
            num_heads=2,
            feedforward_channels=32,
            global_attn_indexes=[1]),
        img_size=32,
        patch_size=8,
        out_channels=8,
        window_size=2,
        out_indices=(0, 1)),
    conformer=dict(
        type='Conformer',
        arch=dict(embed_dims=16, channel_ratio=1, num_heads=2, depths=3),
        base_channels=8,
        out_indices=(2, 3)),
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
                   seed: int = 0,
                   channels: int = 3) -> Tuple[Tensor, list]:
    """Inputs and ``DataSample``s with random labels.

    Each sample carries ``metainfo['sample_idx']`` so tests can tell
    which samples reached the head.
    """
    from mmpretrain.structures import DataSample

    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(batch_size, channels, *size, generator=gen)
    labels = torch.randint(num_classes, (batch_size, ), generator=gen)
    samples = [
        DataSample(metainfo=dict(sample_idx=i)).set_gt_label(int(label))
        for i, label in enumerate(labels)
    ]
    return inputs, samples
