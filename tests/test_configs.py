# Copyright (c) mmpfb contributors. All rights reserved.
"""Every leaf config under ``configs/`` loads and builds its model offline.

The configs are found from this file's location, not the working
directory, and the collection asserts that it found some, so a run from
the wrong place fails instead of checking nothing.
"""
import copy
import functools
import re
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import HOOKS, MODELS, init_default_scope

CONFIG_ROOT = Path(__file__).resolve().parents[1] / 'configs'

# OpenMMLab's naming schemes, as used in configs/pfb: mmseg's
# {algorithm}_{backbone}[_pfb-p{ratio}]_{gpus}xb{batch}-{schedule}_{dataset}
# -{crop}, where a schedule of NNk means NN thousand iterations, and
# mmpretrain's {backbone}[_pfb-p{ratio}]_{gpus}xb{batch}[-{extras}][-{NN}e]
# _{dataset}, where NNe means NN epochs (extras such as 'lars' name the
# recipe). The same name without ``_pfb-pNN`` is the full-data twin.
PRUNE_RATIO = re.compile(r'_pfb-p(\d+)_')
BATCH = re.compile(r'_(\d+)xb(\d+)[-_]')
SCHEDULE = re.compile(r'_(\d+)xb(\d+)-(\d+)k_')
EPOCHS = re.compile(r'_\d+xb\d+-(?:[a-z0-9]+-)*?(\d+)e_')
# configs/pfb holds the paper's settings. Per model and backbone: the
# stage blocked after (docs/design.md, section 2), the random bound b and
# the pruning window of PFBHook (begin, end, by_epoch), from Table 9 and
# appendix B.2.
# The Swin-T column of Table 9 is not legible: its b and window are the
# configs' documented choices.
PAPER_DIR = CONFIG_ROOT / 'pfb'
PAPER_SETTINGS = {
    # DeepLabV3-R50-D8, where the auxiliary head reads; pruning throughout.
    ('PFBEncoderDecoder', 'ResNetV1c'):
    dict(block_stage=3, random_bound=0.01, window=(0, None, False)),
    # ResNet-18 on CIFAR-10/100, 200 epochs.
    ('PFBImageClassifier', 'ResNet_CIFAR'):
    dict(block_stage=1, random_bound=0.01, window=(5, 180, True)),
    # ResNet-50 on ImageNet-1k, 90 epochs.
    ('PFBImageClassifier', 'ResNet'):
    dict(block_stage=2, random_bound=0.001, window=(15, 80, True)),
    # Swin-T on ImageNet-1k, 300 epochs (b and window: our choice).
    ('PFBImageClassifier', 'SwinTransformer'):
    dict(block_stage=1, random_bound=0.01, window=(50, 267, True)),
    # OCRNet-R50-D8 and PointRend-R50: not in the paper; its DeepLabV3-R50-D8
    # settings carried over.
    ('PFBCascadeEncoderDecoder', 'ResNetV1c'):
    dict(block_stage=3, random_bound=0.01, window=(0, None, False)),
    # Not in the paper: UperNet-Swin-T and SegFormer-MiT-B0 on
    # ADE20K, ConvNeXt-T on ImageNet-1k; cut after stage 1, b as in the
    # paper's stage-1 runs, the Swin-T window for 300 epochs.
    ('PFBEncoderDecoder', 'SwinTransformer'):
    dict(block_stage=1, random_bound=0.01, window=(0, None, False)),
    ('PFBEncoderDecoder', 'MixVisionTransformer'):
    dict(block_stage=1, random_bound=0.01, window=(0, None, False)),
    ('PFBImageClassifier', 'ConvNeXt'):
    dict(block_stage=1, random_bound=0.01, window=(50, 267, True)),
}
# Keys that a PFB config may change against its full-data twin.
PFB_MODEL_KEYS = ('type', 'pfb')


def find_configs():
    """Leaf configs: every ``*.py`` below ``configs/`` except ``_base_``."""
    return sorted(
        path for path in CONFIG_ROOT.rglob('*.py')
        if '_base_' not in path.relative_to(CONFIG_ROOT).parts)


CONFIGS = find_configs()


def test_configs_found():
    assert CONFIG_ROOT.is_dir(), f'no configs folder at {CONFIG_ROOT}'
    assert len(CONFIGS) > 0, f'no *.py configs below {CONFIG_ROOT}'


@functools.lru_cache(maxsize=None)
def load(path):
    """``Config.fromfile`` (read once per file; the tests do not change
    it); skip when the host of a ``pkg::`` base is not installed."""
    try:
        return Config.fromfile(str(path))
    except ModuleNotFoundError as exc:
        missing = re.match(r'(\S+) is not installed', str(exc))
        if missing is None:
            raise
        pytest.importorskip(missing.group(1))
        raise


def offline_model_cfg(model_cfg):
    """A copy of ``model_cfg`` that names no pretrained weights."""
    model_cfg = copy.deepcopy(model_cfg)
    for key in ('pretrained', 'init_cfg'):
        if key in model_cfg:
            model_cfg[key] = None
    if isinstance(model_cfg.get('backbone'), dict):
        model_cfg['backbone']['init_cfg'] = None
    return model_cfg


@pytest.fixture(params=CONFIGS, ids=[path.name for path in CONFIGS])
def config(request):
    cfg = load(request.param)
    assert 'default_scope' in cfg, f'{request.param} sets no default_scope'
    # The scope's host (mmseg, mmpretrain, ...) is a module of that name.
    pytest.importorskip(cfg.default_scope)
    init_default_scope(cfg.default_scope)
    return request.param, cfg


def paper_settings(path, cfg):
    """The paper's settings for a PFB config in configs/pfb, else None."""
    if path.parent != PAPER_DIR or cfg.model.get('pfb') is None:
        return None
    key = (cfg.model.type.split('.')[-1], cfg.model.backbone.type)
    assert key in PAPER_SETTINGS, f'{path.name}: no paper settings for {key}'
    return PAPER_SETTINGS[key]


def is_pfb_hook(hook):
    return hook['type'].split('.')[-1] == 'PFBHook'


def test_model_builds(config):
    path, cfg = config
    model = MODELS.build(offline_model_cfg(cfg.model))
    pfb = cfg.model.get('pfb')
    ratio = PRUNE_RATIO.search(path.name)
    if pfb is None:
        assert ratio is None, f'{path.name} names a ratio but has no pfb'
        assert not hasattr(model, 'blocker')
        return
    blocker = model.blocker
    if 'prune_ratio' in pfb:
        assert blocker.target_prune_ratio == pfb['prune_ratio']
    assert blocker.splitter.block_stage == pfb['block_stage']
    estimator = blocker.estimator
    for key in ('num_centroids', 'random_bound', 'momentum'):
        if key in pfb:
            assert getattr(estimator, key) == pfb[key], key
    if 'feat_dim' in pfb:
        # min(D, C): ResNet-18's stage 1 has 64 channels, Swin-T's 96.
        assert 1 <= estimator.feat_dim <= pfb['feat_dim']
    if ratio is not None:
        assert blocker.target_prune_ratio == pytest.approx(
            int(ratio.group(1)) / 100), 'file name and prune_ratio differ'
    if cfg.model.type.endswith('PFBCascadeEncoderDecoder'):
        from mmpfb.models.segmentors import PFBCascadeEncoderDecoder
        assert isinstance(model, PFBCascadeEncoderDecoder)
        assert len(model.decode_head) == cfg.model.num_stages
    elif cfg.model.type.endswith('PFBEncoderDecoder'):
        from mmpfb.models.segmentors import PFBEncoderDecoder
        assert isinstance(model, PFBEncoderDecoder)
    elif cfg.model.type.endswith('PFBImageClassifier'):
        from mmpfb.models.classifiers import PFBImageClassifier
        assert isinstance(model, PFBImageClassifier)
    else:
        assert path.parent != PAPER_DIR, \
            f'{path.name}: unexpected model type {cfg.model.type!r}'
    paper = paper_settings(path, cfg)
    if paper is not None:
        assert blocker.splitter.block_stage == paper['block_stage']
        assert estimator.random_bound == paper['random_bound']


def test_schedule_matches_name(config):
    path, cfg = config
    batch = BATCH.search(path.name)
    if batch is None:
        pytest.skip(f'{path.name} does not follow the naming scheme')
    assert cfg.train_dataloader.batch_size == int(batch.group(2))
    epochs = EPOCHS.search(path.name)
    if epochs is not None:
        assert cfg.train_cfg.max_epochs == int(epochs.group(1))
    schedule = SCHEDULE.search(path.name)
    if schedule is None:
        return
    kilo_iters = int(schedule.group(3))
    max_iters = cfg.train_cfg.max_iters
    assert max_iters == kilo_iters * 1000
    # The last iteration-based scheduler must end with training (a base's
    # 40k PolyLR left in a 36k config would never reach its floor).
    ends = [
        scheduler['end'] for scheduler in schedulers(cfg)
        if scheduler.get('end') is not None
        and not scheduler.get('by_epoch', True)
    ]
    if ends:
        assert max(ends) == max_iters, cfg.param_scheduler


def schedulers(cfg):
    """``param_scheduler`` as a list (a config may give a single dict)."""
    scheduler = cfg.get('param_scheduler') or []
    return [scheduler] if isinstance(scheduler, dict) else list(scheduler)


def test_epoch_schedulers_end_with_training(config):
    path, cfg = config
    max_epochs = cfg.train_cfg.get('max_epochs')
    if max_epochs is None:
        pytest.skip(f'{path.name} is not trained by epoch')
    for scheduler in schedulers(cfg):
        if scheduler.get('by_epoch', True) and \
                scheduler.get('end') is not None:
            assert scheduler['end'] <= max_epochs, scheduler
        if scheduler['type'].split('.')[-1] == 'OneCycleLR':
            # One cycle spans end - begin: it must be the whole run, and
            # it sets the learning rate from eta_max alone.
            assert scheduler.get('total_steps') is None, scheduler
            assert scheduler.get('by_epoch', True), scheduler
            assert scheduler.get('convert_to_iter_based'), \
                f'{path.name}: OneCycleLR should step every iteration'
            assert scheduler.get('begin', 0) == 0, scheduler
            assert scheduler.get('end') == max_epochs, scheduler
            assert scheduler['eta_max'] == cfg.optim_wrapper.optimizer.lr


def test_pfb_config_has_full_data_twin(config):
    path, cfg = config
    if PRUNE_RATIO.search(path.name) is None:
        pytest.skip(f'{path.name} is not a PFB config')
    twin_path = path.with_name(PRUNE_RATIO.sub('_', path.name))
    assert twin_path.is_file(), f'{path.name} has no twin {twin_path.name}'
    twin = copy.deepcopy(load(twin_path).to_dict())
    pfb = copy.deepcopy(cfg.to_dict())
    assert 'pfb' not in twin['model']
    # Besides the model type, the pfb arguments and PFBHook, the two are
    # the same config.
    for model_cfg in (twin['model'], pfb['model']):
        for key in PFB_MODEL_KEYS:
            model_cfg.pop(key, None)
    twin_hooks = twin.pop('custom_hooks', [])
    pfb_hooks = pfb.pop('custom_hooks', [])
    assert not any(is_pfb_hook(hook) for hook in twin_hooks)
    assert [hook for hook in pfb_hooks if not is_pfb_hook(hook)] == \
        twin_hooks
    assert pfb == twin


def test_custom_hooks_build(config):
    path, cfg = config
    # The Runner builds hooks in the registry of the default scope, which
    # also finds unscoped host hooks (the root registry alone would not).
    with HOOKS.switch_scope_and_registry(cfg.default_scope) as registry:
        for hook in cfg.get('custom_hooks', []):
            assert registry.get(hook['type']) is not None, \
                f'{path.name}: hook {hook["type"]!r} is not registered'
            assert isinstance(registry.build(copy.deepcopy(hook)), Hook)
    pfb_hooks = [
        hook for hook in cfg.get('custom_hooks', []) if is_pfb_hook(hook)
    ]
    if cfg.model.get('pfb') is None:
        assert not pfb_hooks, f'{path.name}: PFBHook without a PFB model'
        return
    assert len(pfb_hooks) == 1, f'{path.name}: needs one PFBHook'
    hook = pfb_hooks[0]
    begin = hook.get('begin', 0)
    end = hook.get('end')
    by_epoch = hook.get('by_epoch', False)
    length = cfg.train_cfg.get('max_epochs' if by_epoch else 'max_iters')
    assert length is not None, \
        f'{path.name}: PFBHook by_epoch={by_epoch} but training is not'
    assert begin < length and (end is None or end <= length), hook
    paper = paper_settings(path, cfg)
    if paper is not None:
        assert (begin, end, by_epoch) == paper['window'], hook


# configs/infobatch: InfoBatch twins of the full-data configs in
# configs/pfb and configs/demo, named with ``_infobatch-rNN_`` (NN = the
# prune ratio in percent).
INFOBATCH_RATIO = re.compile(r'_infobatch-r(\d+)_')
INFOBATCH_SAMPLERS = dict(
    InfiniteSampler='mmpfb.InfoBatchInfiniteSampler',
    DefaultSampler='mmpfb.InfoBatchSampler')


def infobatch_cfg_options(full_cfg, prune_ratio):
    """The cfg-options that turn a full-data config into InfoBatch: what a
    study method sets (docs/infobatch.md lists them)."""
    return {
        'model.type':
        'mmpfb.InfoBatch' + full_cfg.model.type,
        'train_dataloader.sampler.type':
        INFOBATCH_SAMPLERS[full_cfg.train_dataloader.sampler.type],
        'train_dataloader.sampler.prune_ratio':
        prune_ratio,
        'train_dataloader.sampler.delta':
        0.875,
        'custom_hooks': [dict(type='mmpfb.InfoBatchHook')],
    }


def test_infobatch_config_has_full_data_twin(config):
    """An InfoBatch config is its twin plus the cfg-options, nothing
    else."""
    path, cfg = config
    ratio = INFOBATCH_RATIO.search(path.name)
    if ratio is None:
        pytest.skip(f'{path.name} is not an InfoBatch config')
    name = INFOBATCH_RATIO.sub('_', path.name)
    twins = [CONFIG_ROOT / folder / name for folder in ('pfb', 'demo')]
    twin_path = next((p for p in twins if p.is_file()), None)
    assert twin_path is not None, f'{path.name} has no twin {name}'
    twin = copy.deepcopy(load(twin_path))
    assert twin.get('custom_hooks', []) == []
    prune_ratio = cfg.train_dataloader.sampler.prune_ratio
    assert prune_ratio == pytest.approx(
        int(ratio.group(1)) / 100), 'file name and prune_ratio differ'
    twin.merge_from_dict(infobatch_cfg_options(twin, prune_ratio))
    assert cfg.to_dict() == twin.to_dict()
