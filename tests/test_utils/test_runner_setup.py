# Copyright (c) mmpfb contributors. All rights reserved.
import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from mmpfb.utils.runner_setup import (apply_test_options, apply_train_options,
                                      enable_tta, enable_visualization,
                                      setup_cpu_distributed)


def test_amp_turns_the_plain_wrapper_into_the_amp_one():
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD'))))
    assert apply_train_options(cfg, amp=True, resume=True) is cfg
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.resume is True
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
    apply_train_options(cfg)
    assert cfg.optim_wrapper == dict(type='OptimWrapper')
    assert cfg.resume is False


def test_amp_keeps_an_amp_wrapper_and_refuses_others():
    cfg = Config(
        dict(optim_wrapper=dict(type='AmpOptimWrapper', loss_scale=512.)))
    apply_train_options(cfg, amp=True)
    assert cfg.optim_wrapper == dict(type='AmpOptimWrapper', loss_scale=512.)
    cfg = Config(dict(optim_wrapper=dict(type='ApexOptimWrapper')))
    with pytest.raises(AssertionError, match='got ApexOptimWrapper'):
        apply_train_options(cfg, amp=True)


def test_no_launcher_needs_no_cpu_set_up():
    cfg = Config(dict(launcher='none'))
    setup_cpu_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg and not dist.is_initialized()


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='the set-up is for CPU machines')
@pytest.mark.parametrize('wrapper', [None, dict(type='MyWrapper')])
def test_cpu_launch_starts_gloo_and_wraps_without_device_ids(
        tmp_path, monkeypatch, wrapper):
    backends = []
    original = dist.init_process_group

    def init_process_group(backend):
        # as torchrun's environment would, for one process
        backends.append(backend)
        original(
            backend,
            init_method=f'file://{tmp_path / "store"}',
            rank=0,
            world_size=1)

    monkeypatch.setattr(dist, 'init_process_group', init_process_group)
    cfg = Config(dict(launcher='pytorch', find_unused_parameters=True))
    if wrapper is not None:
        cfg.model_wrapper_cfg = wrapper
    try:
        setup_cpu_distributed(cfg)
        assert dist.is_initialized() and backends == ['gloo']
        setup_cpu_distributed(cfg)  # a started group is kept
        assert backends == ['gloo']
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    expected = wrapper or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=True)
    assert cfg.model_wrapper_cfg == dict(expected, device_ids=None)


def make_test_cfg():
    return Config(
        dict(
            model=dict(type='Seg'),
            tta_model=dict(type='SegTTAModel'),
            tta_pipeline=[dict(type='TestTimeAug')],
            test_dataloader=dict(dataset=dict(pipeline=[dict(type='Load')])),
            test_evaluator=dict(type='IoUMetric'),
            default_hooks=dict(visualization=dict(type='Vis')),
            visualizer=dict(type='Visualizer')))


def test_test_options_set_the_checkpoint_and_the_output():
    cfg = apply_test_options(make_test_cfg(), 'ckpt.pth', out='preds')
    assert cfg.load_from == 'ckpt.pth'
    assert cfg.test_evaluator == dict(
        type='IoUMetric', output_dir='preds', keep_results=True)
    assert cfg.model == dict(type='Seg')
    assert cfg.default_hooks.visualization == dict(type='Vis')
    assert 'save_dir' not in cfg.visualizer


def test_tta_wraps_the_model_and_swaps_the_pipeline():
    cfg = make_test_cfg()
    enable_tta(cfg)
    assert cfg.model == dict(type='SegTTAModel', module=dict(type='Seg'))
    assert cfg.test_dataloader.dataset.pipeline == [dict(type='TestTimeAug')]
    assert apply_test_options(
        make_test_cfg(), 'c', tta=True).model == cfg.model


@pytest.mark.parametrize('show, show_dir, hook, visualizer', [
    (True, None, dict(type='Vis', draw=True, show=True,
                      wait_time=0.5), dict(type='Visualizer')),
    (False, 'painted', dict(
        type='Vis', draw=True), dict(type='Visualizer', save_dir='painted')),
])
def test_show_and_show_dir_turn_on_the_visualization_hook(
        show, show_dir, hook, visualizer):
    cfg = apply_test_options(
        make_test_cfg(), 'c', show=show, wait_time=0.5, show_dir=show_dir)
    assert cfg.default_hooks.visualization == hook
    assert cfg.visualizer == visualizer


def test_visualization_needs_the_hook():
    cfg = make_test_cfg()
    cfg.default_hooks = dict()
    with pytest.raises(RuntimeError, match='VisualizationHook must be'):
        enable_visualization(cfg, show=True)
