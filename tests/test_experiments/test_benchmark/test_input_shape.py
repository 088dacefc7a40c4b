# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
from mmengine.config import Config

from mmpfb.experiments.benchmark import InputShape, input_shape_from_config


def config(model=None, pipeline=None, wrapped=False):
    cfg = dict(
        model=dict(dict(type='X', backbone=dict(type='B')), **(model or {})))
    if pipeline is not None:
        dataset = dict(type='D', pipeline=pipeline)
        if wrapped:
            dataset = dict(type='RepeatDataset', times=2, dataset=dataset)
        cfg['train_dataloader'] = dict(batch_size=2, dataset=dataset)
    return Config(cfg)


@pytest.mark.parametrize('cfg,expected', [
    (config(dict(data_preprocessor=dict(size=(48, 64)))), (3, 48, 64)),
    (config(pipeline=[
        dict(type='RandomCrop', crop_size=28),
        dict(type='PackInputs')
    ]), (3, 28, 28)),
    (config(
        pipeline=[dict(type='mmpretrain.RandomResizedCrop', scale=40)],
        wrapped=True), (3, 40, 40)),
    (config(dict(backbone=dict(type='Swin', img_size=56))), (3, 56, 56)),
    (config(
        dict(
            backbone=dict(type='R', in_channels=1),
            data_preprocessor=dict(mean=[0.5], size=(8, 8)))), (1, 8, 8)),
    (config(dict(data_preprocessor=dict(mean=[1, 2], size=(8, 8)))),
     (2, 8, 8)),
])
def test_reads_channels_and_crop_from_the_config(cfg, expected):
    assert input_shape_from_config(cfg) == InputShape(*expected)


def test_the_last_crop_of_the_pipeline_wins():
    cfg = config(pipeline=[
        dict(type='Resize', scale=(96, 96)),
        dict(type='RandomCrop', crop_size=(32, 48))
    ])
    assert input_shape_from_config(cfg) == (3, 32, 48)


def test_arguments_override_the_config():
    cfg = config(dict(data_preprocessor=dict(size=(48, 64))))
    assert input_shape_from_config(cfg, crop=(16, 16), channels=4) == \
        (4, 16, 16)


def test_a_config_without_a_crop_names_the_flag():
    with pytest.raises(ValueError, match='--crop H W'):
        input_shape_from_config(config())


def test_a_bad_crop_names_the_key():
    cfg = config(pipeline=[dict(type='RandomCrop', crop_size='big')])
    with pytest.raises(ValueError, match=r"RandomCrop.crop_size .*'big'"):
        input_shape_from_config(cfg)
