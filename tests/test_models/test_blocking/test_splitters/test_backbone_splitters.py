# Copyright (c) mmpfb contributors. All rights reserved.
"""Every supported backbone, at every valid ``block_stage``: shallow then
deep is the backbone's own forward (train and eval mode), the deep part
on kept rows is the backbone on the kept inputs, and a host model with
PFB equals its parent at ``p = 0`` and trains at ``p = 0.5``."""
import copy
from typing import NamedTuple, Optional, Tuple

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mmpfb.experiments.testing.classification import (TINY_CLS_BACKBONES,
                                                      tiny_cls_batch)
from mmpfb.experiments.testing.segmentation import (NORM_CFG, TINY_BACKBONES,
                                                    tiny_seg_batch)
from mmpfb.models.blocking.splitters import build_splitter
from mmpfb.models.density import pool_representation

BATCH = 4


class Case(NamedTuple):
    host: str
    name: str
    stages: range
    overrides: dict = {}
    host_model: bool = True
    # (channels, height, width) of an input image
    shape: Tuple[int, int, int] = (3, 32, 32)

    @property
    def id(self) -> str:
        extra = '-'.join(f'{k}={v}' for k, v in self.overrides.items())
        return f'{self.host}.{self.name}' + (f'[{extra}]' if extra else '')


FROZEN = dict(frozen_stages=1)
CASES = [
    Case('mmseg', 'resnet', range(0, 5)),
    Case('mmseg', 'resnet', range(0, 5),
         dict(type='ResNetV1d', out_indices=(1, 3), norm_eval=True, **FROZEN),
         False),
    Case('mmseg', 'resnest', range(0, 5)),
    Case('mmseg', 'mit', range(1, 5)),
    Case('mmseg', 'swin', range(0, 5)),
    Case('mmseg', 'swin', range(0, 5), FROZEN, False),
    Case('mmseg', 'vit', range(0, 3)),
    Case('mmseg', 'vit', range(0, 3),
         dict(out_origin=True, final_norm=True, pre_norm=True), False),
    Case('mmseg', 'vit', range(0, 3),
         dict(with_cls_token=False, out_indices=(1, ), patch_norm=True),
         False),
    Case('mmseg', 'vit', range(0, 3), dict(output_cls_token=True), False),
    Case('mmseg', 'beit', range(0, 3), dict(final_norm=True)),
    Case('mmseg', 'mae', range(0, 3)),
    Case('mmseg', 'hrnet', range(0, 5)),
    Case('mmseg', 'hrnet', range(0, 5),
         dict(multiscale_output=False, norm_eval=True, **FROZEN), False),
    Case('mmseg', 'mobilenet_v2', range(0, 8)),
    Case('mmseg', 'mobilenet_v2', range(0, 8),
         dict(out_indices=(6, ), **FROZEN), False),
    Case('mmseg', 'mobilenet_v3', range(0, 13)),
    Case('mmseg', 'mscan', range(1, 5)),
    Case('mmseg', 'pcpvt', range(1, 5)),
    Case('mmseg', 'pcpvt', range(1, 5),
         dict(norm_after_stage=True, out_indices=(0, 2)), False),
    Case('mmseg', 'svt', range(1, 5)),
    # UNet downsamples by a max pool, by a strided first conv, or not at
    # all: every layout must split exactly
    Case('mmseg', 'unet', range(1, 5), {}, False),
    Case('mmseg', 'unet', range(1, 5),
         dict(strides=(1, 2, 2, 1), downsamples=(False, False, True)), False),
    Case('mmseg', 'unet', range(1, 5),
         dict(downsamples=(True, False, True), dec_dilations=(1, 2, 1)),
         False),
    Case('mmpretrain', 'resnet_cifar', range(0, 5),
         dict(out_indices=(0, 1, 2, 3))),
    Case('mmpretrain', 'resnet', range(0, 5)),
    Case(
        'mmpretrain', 'resnet', range(0, 5),
        dict(
            type='ResNeXt',
            depth=50,
            groups=2,
            width_per_group=4,
            out_indices=(1, 3),
            norm_eval=True,
            **FROZEN), False),
    Case('mmpretrain', 'resnest', range(0, 5)),
    Case('mmpretrain', 'swin', range(0, 5),
         dict(out_indices=(0, 1, 2, 3), use_abs_pos_embed=True)),
    Case('mmpretrain', 'swin', range(0, 5),
         dict(out_indices=(0, 1, 2, 3), out_after_downsample=True, **FROZEN),
         False),
    Case('mmpretrain', 'vit', range(0, 3)),
    Case('mmpretrain', 'vit', range(0, 3),
         dict(out_type='featmap', final_norm=False, pre_norm=True, **FROZEN),
         False),
    Case('mmpretrain', 'vit', range(0, 3),
         dict(out_type='avg_featmap', with_cls_token=False), False),
    Case('mmpretrain', 'vit', range(0, 3), dict(out_type='raw'), False),
    Case('mmpretrain', 'deit', range(0, 3), dict(out_type='featmap')),
    Case('mmpretrain', 'deit', range(0, 3), {}, False),
    Case('mmpretrain', 'deit3', range(0, 3)),
    Case('mmpretrain', 'beit', range(0, 3)),
    Case(
        'mmpretrain', 'beit', range(0, 3),
        dict(
            use_abs_pos_emb=True,
            use_shared_rel_pos_bias=False,
            use_rel_pos_bias=True,
            out_type='featmap'), False),
    Case('mmpretrain', 'convnext', range(0, 5)),
    Case('mmpretrain', 'convnext', range(0, 5),
         dict(gap_before_final_norm=True, out_indices=(1, 3), **FROZEN),
         False),
    Case('mmpretrain', 'hrnet', range(0, 5)),
    Case('mmpretrain', 'mobilenet_v2', range(0, 9)),
    Case('mmpretrain', 'mobilenet_v2', range(0, 9), FROZEN, False),
    Case('mmpretrain', 'mobilenet_v3', range(0, 13)),
    Case('mmpretrain', 'efficientnet', range(0, 7)),
    Case('mmpretrain', 'regnet', range(0, 5)),
    Case('mmpretrain', 'poolformer', range(0, 5)),
    # convolutional networks that run their stages in a chain
    Case('mmpretrain', 'vgg', range(1, 4), shape=(3, 16, 16)),
    Case(
        'mmpretrain', 'vgg', range(1, 4),
        dict(
            norm_cfg=dict(type='BN'),
            norm_eval=True,
            with_last_pool=False,
            out_indices=(1, ),
            **FROZEN), False, (3, 16, 16)),
    Case('mmpretrain', 'lenet5', range(1, 4), shape=(1, 32, 32)),
    Case('mmpretrain', 'lenet5', range(1, 4), dict(num_classes=5), False,
         (1, 32, 32)),
    Case('mmpretrain', 'alexnet', range(1, 6), shape=(3, 63, 63)),
    # its widths are fixed: three cuts, at its smallest input
    Case('mmpretrain', 'inception_v3', range(1, 6, 2), {}, False, (3, 75, 75)),
    Case('mmpretrain', 'densenet', range(0, 5)),
    Case('mmpretrain', 'densenet', range(0, 5),
         dict(out_indices=(1, ), **FROZEN), False),
    Case('mmpretrain', 'convmixer', range(0, 4)),
    Case('mmpretrain', 'convmixer', range(0, 4),
         dict(out_indices=(1, ), **FROZEN), False),
    Case('mmpretrain', 'cspnet', range(0, 4)),
    Case('mmpretrain', 'cspnet', range(0, 4),
         dict(out_indices=(1, ), norm_eval=True, **FROZEN), False),
    Case('mmpretrain', 'replknet', range(0, 4)),
    Case('mmpretrain', 'replknet', range(0, 4),
         dict(out_indices=(1, ), with_cp=True, norm_eval=True, **FROZEN),
         False),
    # re-parameterisable, shuffling and mobile networks
    Case('mmpretrain', 'repvgg', range(0, 5)),
    Case('mmpretrain', 'repvgg', range(0, 5),
         dict(deploy=True, add_ppf=True, norm_eval=True, **FROZEN), False),
    Case('mmpretrain', 'mobileone', range(0, 5)),
    Case('mmpretrain', 'mobileone', range(0, 5),
         dict(deploy=True, norm_eval=True, **FROZEN), False),
    Case('mmpretrain', 'riformer', range(0, 5)),
    Case('mmpretrain', 'riformer', range(0, 5), dict(deploy=True, **FROZEN),
         False),
    Case('mmpretrain', 'shufflenet_v1', range(0, 4)),
    # frozen variants of the deeper nets: the stages around the frozen one
    Case('mmpretrain', 'shufflenet_v1', range(0, 3),
         dict(out_indices=(1, ), norm_eval=True, **FROZEN), False),
    Case('mmpretrain', 'shufflenet_v2', range(0, 5)),
    Case('mmpretrain', 'shufflenet_v2', range(0, 3), FROZEN, False),
    Case('mmpretrain', 'mobilevit', range(0, 4)),
    Case('mmpretrain', 'mobilevit', range(0, 4), FROZEN, False),
    Case('mmpretrain', 'efficientformer', range(0, 5)),
    # attention in the last stage: its tokens are normed and transposed
    Case('mmpretrain', 'efficientformer_vit', range(0, 5), FROZEN, False,
         (3, 224, 224)),
    Case('mmpretrain', 'repmlp', range(0, 5)),
    Case('mmpretrain', 'repmlp', range(0, 5),
         dict(deploy=True, final_norm=False, out_indices=(1, 3)), False),
    Case('mmpretrain', 'edgenext', range(0, 5)),
    Case(
        'mmpretrain', 'edgenext', range(0, 5),
        dict(
            gap_before_final_norm=True,
            use_pos_embd_global=True,
            out_indices=[0, 3],
            **FROZEN), False),
    # hierarchical transformers and hybrids
    Case('mmpretrain', 'davit', range(0, 4)),
    Case('mmpretrain', 'davit', range(0, 4),
         dict(out_indices=(2, ), out_after_downsample=True, **FROZEN), False),
    Case('mmpretrain', 'hivit', range(0, 6)),
    Case('mmpretrain', 'hivit', range(0, 6), dict(rpe=True, ape=False), False),
    Case('mmpretrain', 'hornet', range(0, 5)),
    Case(
        'mmpretrain', 'hornet', range(0, 5),
        dict(
            gap_before_final_norm=True,
            out_indices=(2, 3),
            with_cp=True,
            **FROZEN), False),
    Case('mmpretrain', 'van', range(1, 5)),
    Case('mmpretrain', 'van', range(1, 5),
         dict(out_indices=(1, 3), norm_eval=True, **FROZEN), False),
    Case('mmpretrain', 'tinyvit', range(0, 5)),
    Case('mmpretrain', 'tinyvit', range(0, 5),
         dict(gap_before_final_norm=True, out_indices=(3, ), **FROZEN), False),
    Case('mmpretrain', 'mvit', range(0, 5)),
    Case(
        'mmpretrain', 'mvit', range(0, 5),
        dict(
            out_scales=[1, 3],
            dim_mul_in_attention=False,
            use_abs_pos_embed=False), False),
    Case('mmpretrain', 'levit', range(0, 4)),
    Case('mmpretrain', 'levit', range(1, 3),
         dict(out_indices=(1, ), deploy=True), False),
    Case('mmpretrain', 'pcpvt', range(1, 5)),
    Case('mmpretrain', 'pcpvt', range(1, 5),
         dict(norm_after_stage=[True, False, True, False], out_indices=(0, 2)),
         False),
    Case('mmpretrain', 'svt', range(1, 5)),
    Case('mmpretrain', 'swin_v2', range(0, 5)),
    Case('mmpretrain', 'swin_v2', range(0, 5),
         dict(out_indices=(1, 3), **FROZEN), False),
    # token-sequence transformers and MLPs
    # (MlpMixer's (N, C, L) outputs and Conformer's pairs need other heads
    # than the host model here has)
    Case('mmpretrain', 'mlp_mixer', range(0, 3), {}, False),
    Case('mmpretrain', 'mlp_mixer', range(0, 3),
         dict(out_indices=-2, drop_path_rate=0.1), False),
    Case('mmpretrain', 't2t_vit', range(0, 3)),
    Case('mmpretrain', 't2t_vit', range(0, 3),
         dict(out_type='featmap', with_cls_token=False, final_norm=False),
         False),
    Case('mmpretrain', 'tnt', range(0, 3)),
    Case('mmpretrain', 'xcit', range(0, 3)),
    Case('mmpretrain', 'xcit', range(0, 3),
         dict(out_type='cls_token', out_indices=(1, ), **FROZEN), False),
    Case('mmpretrain', 'revvit', range(0, 3)),
    Case(
        'mmpretrain', 'revvit', range(1, 2),
        dict(
            with_cls_token=True,
            out_type='cls_token',
            fusion_mode='add',
            **FROZEN), False),
    Case('mmpretrain', 'vit_eva02', range(0, 3)),
    Case('mmpretrain', 'vit_eva02', range(0, 3),
         dict(out_type='featmap', sub_ln=True, final_norm=False, **FROZEN),
         False),
    Case('mmpretrain', 'vit_sam', range(0, 3)),
    Case('mmpretrain', 'vit_sam', range(0, 3),
         dict(out_channels=0, out_type='avg_featmap', **FROZEN), False),
    Case('mmpretrain', 'conformer', range(0, 4), {}, False),
    Case('mmpretrain', 'conformer', range(2, 4),
         dict(with_cls_token=False, out_indices=(3, )), False),
    # MMSegmentation's real-time networks
    Case('mmseg', 'bisenetv1', range(0, 5)),
    Case('mmseg', 'bisenetv1', range(0, 5), dict(out_indices=(2, 0)), False),
    Case('mmseg', 'cgnet', range(0, 3)),
    Case('mmseg', 'cgnet', range(0, 3), dict(norm_eval=True), False),
    Case('mmseg', 'ddrnet', range(0, 6), {}, False),
    Case('mmseg', 'erfnet', range(0, 5)),
    Case('mmseg', 'fast_scnn', range(0, 5)),
    Case('mmseg', 'fast_scnn', range(0, 5), dict(out_indices=(2, 0)), False),
    Case('mmseg', 'icnet', range(0, 5)),
    Case('mmseg', 'pidnet', range(0, 6), {}, False),
    Case('mmseg', 'pidnet', range(0, 6), dict(num_stem_blocks=3), False),
    Case('mmseg', 'stdc', range(0, 5), {}, False),
    Case('mmseg', 'stdc', range(0, 5), dict(with_final_conv=True), False),
    Case('mmseg', 'stdc_context', range(0, 5)),
]
STAGE_CASES = [
    pytest.param(case, stage, id=f'{case.id}-K{stage}') for case in CASES
    for stage in case.stages
]
HOST_CASES = [p for p in STAGE_CASES if p.values[0].host_model]

BUILT = {}


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Tiny models run fastest on one thread (and a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def cached(key: str, build):
    """A copy of ``build()``, which runs once per key (building the
    larger backbones takes most of these tests' time)."""
    if key not in BUILT:
        BUILT[key] = build()
    return copy.deepcopy(BUILT[key])


def backbone_cfg(case: Case) -> dict:
    table = TINY_BACKBONES if case.host == 'mmseg' else TINY_CLS_BACKBONES
    return {**table[case.name], **case.overrides}


def build_backbone(case: Case):
    registry = pytest.importorskip(f'{case.host}.registry').MODELS

    def build():
        torch.manual_seed(0)
        with DefaultScope.overwrite_default_scope(case.host):
            return registry.build(backbone_cfg(case))

    return cached(case.id, build)


def assert_same_outputs(got, expected):
    assert type(got) is type(expected)
    if expected is None:  # InceptionV3's auxiliary logits out of training
        return
    if not isinstance(expected, torch.Tensor):
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert_same_outputs(a, b)
        return
    torch.testing.assert_close(got, expected)


def split_forward(backbone, block_stage, inputs):
    splitter = build_splitter(backbone, block_stage)
    state = splitter.forward_shallow(backbone, inputs)
    return splitter, state, splitter.forward_deep(backbone, state)


@pytest.mark.parametrize('case, block_stage', STAGE_CASES)
def test_shallow_then_deep_equals_forward(case, block_stage):
    backbone = build_backbone(case)
    inputs = torch.randn(3, *case.shape)
    for training in (True, False):
        backbone.train(training)
        with torch.no_grad():
            torch.manual_seed(1)  # dropout, drop path
            expected = backbone(inputs)
            torch.manual_seed(1)
            splitter, state, got = split_forward(backbone, block_stage, inputs)
        assert_same_outputs(got, expected)
    # the scored feature has the channels the splitter reports
    x = pool_representation(state.feature, 10**6)
    assert x.shape == (inputs.size(0), splitter.channels(backbone))
    # outputs collected in the shallow part are cut to the kept rows
    kept = torch.tensor([0, 2])
    with torch.no_grad():
        got = splitter.forward_deep(backbone, state.index_select(kept))
        expected = backbone(inputs.index_select(0, kept))
    assert_same_outputs(got, expected)
    # shallow and deep modules share no parameter and cover the others
    shallow = {
        id(p)
        for m in splitter.shallow_modules(backbone)
        for p in m.parameters(recurse=False)
    }
    deep = {
        id(p)
        for m in splitter.deep_modules(backbone)
        for p in m.parameters(recurse=False)
    }
    assert not shallow & deep
    own = {id(p) for p in backbone.parameters(recurse=False)}
    assert shallow | deep == {id(p) for p in backbone.parameters()} - own


@pytest.mark.parametrize(
    'case',
    [pytest.param(case, id=case.id) for case in CASES if not case.overrides])
def test_block_stage_out_of_range(case):
    backbone = build_backbone(case)
    low, high = case.stages[0], case.stages[-1]
    for block_stage in (low - 1, high + 1):
        with pytest.raises(ValueError, match=rf'\[{low}, {high}\]'):
            build_splitter(backbone, block_stage)


def host_model_cfg(case: Case, backbone, pfb: Optional[dict]) -> dict:
    """A tiny host model whose heads fit the backbone's outputs."""
    backbone.eval()  # some backbones' train() returns None
    with torch.no_grad():
        outs = backbone(torch.zeros(1, *case.shape))
    if case.host == 'mmseg':
        head = dict(
            type='FCNHead',
            channels=4,
            num_convs=1,
            num_classes=4,
            norm_cfg=NORM_CFG,
            align_corners=False)
        cfg = dict(
            type='EncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor'),
            backbone=backbone_cfg(case),
            decode_head=dict(
                head, in_channels=outs[-1].size(1), in_index=len(outs) - 1),
            auxiliary_head=dict(head, in_channels=outs[0].size(1), in_index=0),
            train_cfg=dict(),
            test_cfg=dict(mode='whole'))
        model_type = 'mmpfb.PFBEncoderDecoder'
    else:
        cfg = dict(
            type='ImageClassifier',
            data_preprocessor=dict(type='ClsDataPreprocessor'),
            backbone=backbone_cfg(case),
            neck=dict(
                type='GlobalAveragePooling') if outs[-1].dim() == 4 else None,
            head=dict(
                type='LinearClsHead',
                num_classes=5,
                in_channels=outs[-1].size(1)))
        model_type = 'mmpfb.PFBImageClassifier'
    if pfb is not None:
        cfg.update(type=model_type, pfb=pfb)
    return cfg


def build_pair(case: Case, pfb: dict):
    """The host's model and its PFB twin with the same weights; the twin
    is built once per case and gets a new blocker for ``pfb``."""
    registry = pytest.importorskip(f'{case.host}.registry').MODELS

    def build():
        backbone = build_backbone(case)
        with DefaultScope.overwrite_default_scope(case.host):
            torch.manual_seed(0)
            parent = registry.build(host_model_cfg(case, backbone, None))
            model = registry.build(
                host_model_cfg(case, backbone, dict(pfb, block_stage=1)))
        model.load_state_dict(parent.state_dict(), strict=False)
        return parent, model

    parent, model = cached(f'{case.id}-model', build)
    model.init_blocker(pfb)
    parent.train()
    model.train()
    return parent, model


def batch(case: Case):
    if case.host == 'mmseg':
        return tiny_seg_batch(BATCH, size=case.shape[1:])
    return tiny_cls_batch(BATCH, size=case.shape[1:], channels=case.shape[0])


def run_loss(model, inputs, samples):
    torch.manual_seed(1)
    model.zero_grad()
    losses = model.loss(inputs, copy.deepcopy(samples))
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    return losses


@pytest.mark.parametrize('case, block_stage', HOST_CASES)
def test_host_model_with_pfb(case, block_stage):
    inputs, samples = batch(case)
    # p = 0: the parent's losses and gradients
    parent, model = build_pair(
        case, dict(prune_ratio=0.0, block_stage=block_stage, num_centroids=2))
    ref = run_loss(parent, inputs, samples)
    got = run_loss(model, inputs, samples)
    for key, value in ref.items():
        torch.testing.assert_close(got[key], value, msg=key)
    grads = dict(model.named_parameters())
    with_grad = set()
    for name, param in parent.named_parameters():
        if param.grad is not None:
            with_grad.add(name)
            torch.testing.assert_close(grads[name].grad, param.grad)
    # p = 0.5 (the estimator is filled): half the batch trains a step
    assert model.blocker.estimator.is_ready
    model.set_pruning(prune_ratio=0.5)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    losses = run_loss(model, inputs, samples)
    assert losses['pfb_keep_num'].item() == BATCH // 2
    for name, param in model.named_parameters():
        if name in with_grad:
            assert param.grad is not None, name
            assert torch.isfinite(param.grad).all(), name
    optim.step()
    changed = [
        k for k, v in model.named_parameters()
        if not torch.equal(v, before[k])
    ]
    assert changed
