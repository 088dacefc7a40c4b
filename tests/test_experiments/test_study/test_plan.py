# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.experiments.study import (METHODS, Method, Run, StudyConfig,
                                     StudySpec, plan_runs, run_cfg_options)


def make_spec(methods, ratios=(0.3, 0.7), seeds=(4, 5)) -> StudySpec:
    config = StudyConfig('set_a', dict(full='full.py', pfb='pfb.py'))
    return StudySpec('s', (config, ), tuple(methods), ratios, seeds, {
        'train_cfg.max_iters': 2,
        'randomness.seed': 99
    })


def test_runs_cover_configs_methods_ratios_and_seeds():
    spec = make_spec([METHODS[m] for m in ('full', 'pfb', 'random')])
    spec = spec._replace(configs=spec.configs +
                         (spec.configs[0]._replace(name='set_b'), ))
    runs = plan_runs(spec)
    names = [f'{r.config}/{r.name}' for r in runs]
    expected = [
        f'{config}/{name}' for config in ('set_a', 'set_b')
        for name in ('full_p0_s4', 'full_p0_s5', 'pfb_p0.3_s4', 'pfb_p0.3_s5',
                     'pfb_p0.7_s4', 'pfb_p0.7_s5', 'random_p0.3_s4',
                     'random_p0.3_s5', 'random_p0.7_s4', 'random_p0.7_s5')
    ]
    assert names == expected
    assert runs[0] == Run('set_a', 'full', 0.0, 4)


def test_time_matched_runs_once_per_ratio():
    spec = make_spec([METHODS['full_time_matched']], seeds=(0, ))
    assert [r.name for r in plan_runs(spec)
            ] == ['full_time_matched_p0.3_s0', 'full_time_matched_p0.7_s0']


def test_cfg_options_per_run():
    custom = Method(
        'custom',
        variant='pfb',
        cfg_options={
            'train_cfg.max_iters': 5,
            'model.pfb.criterion': 'random'
        },
        ratio_key='custom_hooks.0.ratio')
    spec = make_spec([METHODS['full'], METHODS['pfb'], custom])
    # the spec's options, then the method's, the ratio and the seed
    assert run_cfg_options(spec, Run('set_a', 'full', 0.0, 5)) == {
        'train_cfg.max_iters': 2,
        'randomness.seed': 5
    }
    assert run_cfg_options(spec, Run('set_a', 'pfb', 0.7, 4)) == {
        'train_cfg.max_iters': 2,
        'randomness.seed': 4,
        'model.pfb.criterion': 'density',
        'model.pfb.prune_ratio': 0.7
    }
    assert run_cfg_options(spec, Run('set_a', 'custom', 0.3, 4)) == {
        'train_cfg.max_iters': 5,
        'randomness.seed': 4,
        'model.pfb.criterion': 'random',
        'custom_hooks.0.ratio': 0.3
    }
