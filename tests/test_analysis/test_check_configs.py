# Copyright (c) mmpfb contributors. All rights reserved.
import importlib.util
import json
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from mmpfb.analysis.check_configs import (check_config, check_configs,
                                          count_by_status, find_configs,
                                          format_reports, input_shapes,
                                          offline_model_cfg)
from mmpfb.experiments.testing.classification import tiny_classifier_cfg
from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg

TOOL = (
    Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' /
    'check_configs.py')
SHAPE = (32, 32)


class Unsplittable(nn.Module):
    """A backbone no splitter covers."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=4, padding=1)

    def forward(self, x):
        return (self.conv(x), )


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Tiny models run fastest on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def unsplittable():
    """``Unsplittable`` registered in MMSegmentation's model registry."""
    registry = pytest.importorskip('mmseg.registry').MODELS
    registry.register_module(module=Unsplittable, force=True)
    yield
    registry.module_dict.pop('Unsplittable')


def write(path: Path, scope: str, model: dict, **extra) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Config(dict(default_scope=scope, model=model, **extra)).dump(str(path))
    return path


def classifier(path: Path, backbone: str = 'resnet_cifar') -> Path:
    pytest.importorskip('mmpretrain')
    return write(path, 'mmpretrain', tiny_classifier_cfg(backbone))


def test_a_stock_classifier_trains_with_pfb(tmp_path):
    report = check_config(classifier(tmp_path / 'cls.py'), 'tiny', shape=SHAPE)
    assert (report.status, report.reason) == ('ok', '')
    assert report.host == 'mmpretrain'
    assert report.block_stage == 1
    assert report.shape == SHAPE
    # the block stage is clipped to the backbone's valid range, [0, 4]
    report = check_config(tmp_path / 'cls.py', block_stage=9, shape=SHAPE)
    assert (report.status, report.block_stage) == ('ok', 4)
    # without a default scope, the package whose configs hold it
    path = tmp_path / 'mmpretrain' / '.mim' / 'configs' / 'tiny' / 'cls.py'
    path.parent.mkdir(parents=True)
    Config(dict(model=tiny_classifier_cfg('resnet_cifar'))).dump(str(path))
    report = check_config(path, shape=SHAPE)
    assert (report.host, report.status) == ('mmpretrain', 'ok')


def test_a_backbone_without_splitter_is_refused_at_build(
        tmp_path, unsplittable):
    model = tiny_segmentor_cfg('resnet', decode_head='fcn', num_aux_heads=0)
    model['backbone'] = dict(type='Unsplittable')
    report = check_config(write(tmp_path / 'seg.py', 'mmseg', model))
    assert report.status == 'refused at build'
    assert report.reason.startswith(
        'TypeError: PFB cannot split backbone Unsplittable')
    assert report.host == 'mmseg'


def test_other_models_are_not_pfb_hosts(tmp_path):
    reports = [
        check_config(
            write(tmp_path / 'a.py', 'mmseg', dict(type='DepthEstimator'))),
        check_config(write(tmp_path / 'b.py', 'mmdet', dict(type='mmdet.X'))),
    ]
    assert [r.status for r in reports] == ['not a PFB host'] * 2
    assert 'mmseg.DepthEstimator' in reports[0].reason
    assert [r.host for r in reports] == ['mmseg', 'mmdet']
    headless = check_config(
        write(tmp_path / 'c.py', 'mmpretrain', dict(type='ImageClassifier')))
    assert headless.status == 'error'
    assert 'no head' in headless.reason


def test_a_config_that_does_not_load_is_an_error(tmp_path):
    path = tmp_path / 'broken.py'
    path.write_text('model = dict(\n')
    report = check_config(path)
    assert report.status == 'error'
    assert report.host == '?'
    path = tmp_path / 'mmseg' / '.mim' / 'configs' / 'x' / 'broken.py'
    path.parent.mkdir(parents=True)
    path.write_text('model = dict(\n')
    assert check_config(path).host == 'mmseg'
    assert report.reason.startswith('SyntaxError')


def test_a_wrong_split_differs_at_p0(tmp_path, monkeypatch):
    from mmpfb.models.blocking.splitters import ResNetSplitter

    # ResNetV1d's shallow part without its max pool: another forward
    monkeypatch.setattr(ResNetSplitter, 'stem_maxpool', False)
    report = check_config(
        classifier(tmp_path / 'cls.py', 'resnet'), shape=SHAPE)
    assert report.status == 'differs at p = 0'
    assert report.reason.startswith('loss loss: AssertionError')


def test_a_model_that_keeps_every_sample_does_not_prune(tmp_path, monkeypatch):
    from mmpfb.models import PFBImageClassifier
    monkeypatch.setattr(PFBImageClassifier, 'set_pruning',
                        lambda self, **kwargs: None)
    report = check_config(classifier(tmp_path / 'cls.py'), shape=SHAPE)
    assert report.status == 'does not prune'
    assert report.reason == 'kept 4 of 4 samples at p = 0.5, not 2'


def test_first_config_of_each_family(tmp_path):
    root = tmp_path / 'configs'
    for name in ('fam_a/b.py', 'fam_a/a.py', 'fam_b/x/y.py', 'fam_b/z.py',
                 '_base_/models/m.py', 'top.py'):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text('')
    assert find_configs([str(root)]) == [
        ('configs', root / 'top.py'),
        ('fam_a', root / 'fam_a/a.py'),
        ('fam_b', root / 'fam_b/x/y.py'),
    ]
    assert len(find_configs([str(root)], all_configs=True)) == 5
    # a file is its own config, its folder the family; below a family
    # folder, its configs are the family's and subfolders are families
    assert find_configs([str(root / 'fam_a/b.py'),
                         str(root / 'fam_b')
                         ]) == [('fam_a', root / 'fam_a/b.py'),
                                ('fam_b', root / 'fam_b/z.py'),
                                ('x', root / 'fam_b/x/y.py')]
    with pytest.raises(ValueError, match='no config file or folder'):
        find_configs([str(root / 'missing')])
    with pytest.raises(ValueError, match='not installed'):
        find_configs(['mmpfb_no_such_package::'])


def test_host_prefixes_name_the_packages_configs():
    pytest.importorskip('mmpretrain')
    assert len(find_configs(['mmpretrain::resnet'])) == 1
    configs = find_configs(['mmpretrain::resnet'], all_configs=True)
    assert len(configs) > 1
    assert all(p.parts[-3:-1] == ('configs', 'resnet') for _, p in configs)
    assert {f for f, _ in find_configs(['mmpretrain::'])} > {'resnet', 'vgg'}


def test_models_build_offline():
    model = dict(
        type='EncoderDecoder',
        pretrained='open-mmlab://resnet50_v1c',
        backbone=dict(
            type='ResNetV1c',
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            init_cfg=dict(type='Pretrained', checkpoint='x.pth')),
        decode_head=dict(
            norm_cfg=dict(type='SyncBN'),
            init_cfg=[
                dict(type='Pretrained', checkpoint='y.pth'),
                dict(type='Normal', std=0.01)
            ]),
        timm=dict(type='TIMMBackbone', pretrained=True))
    assert offline_model_cfg(model) == dict(
        type='EncoderDecoder',
        backbone=dict(
            type='ResNetV1c', norm_cfg=dict(type='BN', requires_grad=True)),
        decode_head=dict(
            norm_cfg=dict(type='BN'), init_cfg=[dict(type='Normal',
                                                     std=0.01)]),
        timm=dict(type='TIMMBackbone', pretrained=False))
    assert model['backbone']['norm_cfg']['type'] == 'SyncBN'  # a copy
    # heads read ConfigDict attributes, e.g. train_cfg.num_points
    model = Config(dict(model=dict(train_cfg=dict(num_points=8)))).model
    assert offline_model_cfg(model).train_cfg.num_points == 8


def test_input_size_from_the_config():
    model = dict(type='ImageClassifier', backbone=dict(type='ResNet'))
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=224)
    ]
    cfg = Config(
        dict(
            model=model,
            train_dataloader=dict(dataset=dict(pipeline=pipeline))))
    # small first, the training crop where the model refuses it
    assert input_shapes(cfg) == [(64, 64), (224, 224)]
    assert input_shapes(cfg, (40, 48)) == [(40, 48)]
    cfg.model.backbone.img_size = 384
    assert input_shapes(cfg) == [(384, 384)]
    cfg = Config(dict(model=model, crop_size=(512, 1024)))
    assert input_shapes(cfg) == [(64, 64), (512, 1024)]
    pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]
    cfg = Config(
        dict(
            model=model,
            train_dataloader=dict(dataset=dict(pipeline=pipeline))))
    assert input_shapes(cfg) == [(64, 64), (32, 32)]


def test_the_command_line_prints_a_table_and_writes_json(tmp_path, capsys):
    root = tmp_path / 'configs'
    classifier(root / 'tiny' / 'cls.py')
    write(root / 'depth' / 'depth.py', 'mmseg', dict(type='DepthEstimator'))
    spec = importlib.util.spec_from_file_location('check_configs_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'reports.json'
    assert tool.main([str(root), '--shape', '32', '32', '--out',
                      str(out)]) == 0
    text = capsys.readouterr().out
    assert '| mmpretrain | tiny | cls.py | ok | 1 | 32x32 |' in text
    assert '| mmseg | depth | depth.py | not a PFB host |' in text
    assert '| mmpretrain | 1 | 0 | 0 | 0 | 0 | 0 | 1 |' in text
    reports = json.loads(out.read_text())
    assert [(r['family'], r['status'])
            for r in reports] == [('depth', 'not a PFB host'), ('tiny', 'ok')]


def test_counts_and_table_of_reports(tmp_path):
    reports = check_configs([
        str(write(tmp_path / 'a' / 'a.py', 'mmseg', dict(type='X'))),
        str(write(tmp_path / 'b' / 'b.py', 'mmseg', dict(type='Y')))
    ])
    assert count_by_status(reports) == {'mmseg': {'not a PFB host': 2}}
    lines = format_reports(reports, reason_width=19)
    assert lines[2].endswith('| model type mmseg... |')
    assert lines[-1].startswith('2 configs checked in')
