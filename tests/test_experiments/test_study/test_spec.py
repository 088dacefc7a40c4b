# Copyright (c) mmpfb contributors. All rights reserved.
import copy
from pathlib import Path

import pytest
import yaml

from mmpfb.experiments.study import (METHODS, Method, SpecError,
                                     load_study_spec, register_method)

REPO = Path(__file__).resolve().parents[3]
SPECS = REPO / 'configs' / 'studies'


@pytest.fixture
def spec_dir(tmp_path):
    """A folder with two config files and a valid spec beside them."""
    (tmp_path / 'configs').mkdir()
    for name in ('full.py', 'pfb.py'):
        (tmp_path / 'configs' / name).write_text('x = 1\n')
    return tmp_path


VALID = dict(
    name='tiny',
    configs=[
        dict(
            name='set_a',
            files=dict(full='configs/full.py', pfb='configs/pfb.py'),
            data_root='data/a',
            prepare='pkg.module.function',
            tta=True,
            classes=['ring'],
            class_groups=dict(rare=['ring']),
            time_ratios=dict(pfb={0.5: 0.6}),
            time_match_unit='iter')
    ],
    methods=['full', 'pfb', 'random', 'full_time_matched'],
    ratios=[0.3, 0.5],
    seeds=[0, 1],
    cfg_options={'train_cfg.max_iters': 2})


def write(folder: Path, raw: dict, name: str = 'spec.yaml') -> str:
    path = folder / name
    path.write_text(yaml.safe_dump(raw))
    return str(path)


def test_valid_spec_is_resolved(spec_dir, monkeypatch):
    monkeypatch.chdir(spec_dir)
    spec = load_study_spec(write(spec_dir, VALID))
    assert spec.name == 'tiny'
    (config, ) = spec.configs
    assert config.files == dict(
        full=str(spec_dir / 'configs' / 'full.py'),
        pfb=str(spec_dir / 'configs' / 'pfb.py'))
    assert config.data_root == str(spec_dir / 'data' / 'a')
    assert config.tta and config.classes == ('ring', )
    assert config.time_ratios == dict(pfb={0.5: 0.6})
    assert config.time_match_unit == 'iter'
    assert config.class_groups == dict(rare=('ring', ))
    assert [m.name for m in spec.methods] == VALID['methods']
    assert spec.ratios == (0.3, 0.5) and spec.seeds == (0, 1)
    # the time-matched method trains its base's variant and options
    assert spec.method('full_time_matched').variant == 'full'
    assert spec.method('full_time_matched').time_matched == ('full', 'pfb')


def test_defaults_and_overrides(spec_dir):
    raw = dict(VALID, methods=['full'])
    del raw['name'], raw['seeds'], raw['ratios'], raw['cfg_options']
    spec = load_study_spec(write(spec_dir, raw, 'my_study.yaml'))
    assert spec.name == 'my_study' and spec.seeds == (0, )
    assert spec.ratios == () and spec.cfg_options == {}
    spec = load_study_spec(
        write(spec_dir, VALID),
        dict(seeds=[7], cfg_options={'randomness.deterministic': True}))
    assert spec.seeds == (7, )
    assert spec.cfg_options == {
        'train_cfg.max_iters': 2,
        'randomness.deterministic': True
    }


def test_overrides_pick_configs_and_methods_by_name(spec_dir):
    own = dict(name='pfb_noisy', variant='pfb', ratio_key='x.y')
    raw = dict(
        VALID,
        configs=[VALID['configs'][0],
                 dict(VALID['configs'][0], name='set_b')],
        methods=['full', own])
    path = write(spec_dir, raw)
    spec = load_study_spec(
        path, dict(configs=['set_b'], methods=['pfb_noisy', 'random']))
    assert [c.name for c in spec.configs] == ['set_b']
    # a method the file defines keeps its definition; another name is
    # a registered method
    assert spec.methods == (Method(**own), METHODS['random'])
    with pytest.raises(SpecError, match=r"configs.*\['set_c'\]"):
        load_study_spec(path, dict(configs=['set_c']))


def test_python_spec(spec_dir):
    path = spec_dir / 'spec.py'
    path.write_text(f'configs = {VALID["configs"]!r}\n'
                    "methods = ['full']\n")
    assert load_study_spec(str(path)).methods == (METHODS['full'], )


def edit(path: str, value):
    """VALID with ``value`` at ``path`` (keys and indices joined by '/';
    a value of ... deletes the key)."""
    raw = copy.deepcopy(VALID)
    *parents, last = path.split('/')
    node = raw
    for key in parents:
        node = node[int(key) if key.isdigit() else key]
    last = int(last) if last.isdigit() else last
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return raw


@pytest.mark.parametrize('path, value, message', [
    ('colour', 1, "spec: unknown key(s) ['colour']"),
    ('configs', [], 'configs must be a non-empty list, got []'),
    ('configs/0/name', 'a b', "configs[0].name must be a name"),
    ('configs/0/files', {}, 'configs[0].files must be a non-empty dict'),
    ('configs/0/files/pfb', 'configs/nope.py',
     'configs[0].files.pfb: no config file at'),
    ('configs/0/prepare', 'function',
     'configs[0].prepare must be a dotted function name'),
    ('configs/0/data_root', ..., 'configs[0].prepare needs '
     'configs[0].data_root'),
    ('configs/0/tta', 'yes', "configs[0].tta must be true or false, got "
     "'yes'"),
    ('configs/0/size', 3, "configs[0]: unknown key(s) ['size']"),
    ('configs/0/class_groups', ['ring'], 'configs[0].class_groups must be '
     "a dict of group name: classes, got ['ring']"),
    ('configs/0/class_groups', dict(rare=[]), 'configs[0].class_groups.rare '
     'must be a non-empty list, got []'),
    ('configs/0/time_match_unit', 'iters', "configs[0].time_match_unit "
     "must be 'epoch' or 'iter', got 'iters'"),
    ('configs/0/time_ratios', [0.6], 'configs[0].time_ratios must be a '
     'dict of target method: {prune ratio: measured time ratio}, got [0.6]'),
    ('configs/0/time_ratios', dict(pfb=0.6), 'configs[0].time_ratios.pfb '
     'must be a dict of prune ratio: measured time ratio, got 0.6'),
    ('configs/0/time_ratios', dict(pfb={1.5: 0.6}), 'configs[0].'
     'time_ratios.pfb: prune ratios must lie in (0, 1), got 1.5'),
    ('configs/0/time_ratios', dict(pfb={0.5: 0}), 'configs[0].time_ratios.'
     'pfb.0.5 must be a number > 0, got 0'),
    ('methods', ['full', 'magic'], "methods[1]: unknown method 'magic'"),
    ('methods', ['full', 'full'], "methods: names must differ"),
    ('methods', ['full', dict(name='x', colour=1)
                 ], "methods[1]: unknown key(s) ['colour']"),
    ('methods', ['full', dict(name='x', variant='big')],
     "method 'x' trains variant 'big', which configs.set_a.files lacks"),
    ('methods', ['full', 'full_time_matched'],
     "methods.full_time_matched.time_matched: target 'pfb' is not one of "
     'the methods'),
    ('methods', ['pfb', dict(name='tm', time_matched=['pfb', 'pfb'])],
     "methods.tm.time_matched: base 'pfb' must run without a prune ratio"),
    ('methods', [
        'full', 'pfb', dict(name='tm', time_matched=['full'])
    ], 'methods[2].time_matched must be [base, target] method names'),
    ('methods', [
        'full', 'pfb',
        dict(name='tm', time_matched=['full', 'pfb'], variant='pfb')
    ], "methods[2]: a time-matched method takes its settings from its "
     "base; remove ['variant']"),
    ('ratios', ..., 'ratios must be a non-empty list, got None'),
    ('ratios', [0.5, 1.0], 'ratios must lie in (0, 1), got 1.0'),
    ('ratios', [0.5, 0.5], 'ratios has duplicates: [0.5, 0.5]'),
    ('seeds', [0, 'one'], "seeds must hold int values, got 'one'"),
    ('ratios', [0.5, '0.7'], "ratios must hold number values, got '0.7'"),
    ('cfg_options', [1], 'cfg_options must be a dict, got [1]'),
])
def test_bad_spec_is_named(spec_dir, path, value, message):
    with pytest.raises(SpecError) as error:
        load_study_spec(write(spec_dir, edit(path, value)))
    assert message in str(error.value)


def test_missing_spec_file_is_named(tmp_path):
    with pytest.raises(SpecError, match='no study spec file at .*nope.yaml'):
        load_study_spec(str(tmp_path / 'nope.yaml'))


def test_methods_are_open_for_extension(spec_dir, monkeypatch):
    monkeypatch.setattr('mmpfb.experiments.study.spec.METHODS', dict(METHODS))
    from mmpfb.experiments.study import spec as spec_module
    method = Method('later', variant='pfb', ratio_key='custom_hooks.0.r')
    register_method(method)
    with pytest.raises(KeyError, match="'later' is already registered"):
        register_method(method)
    spec = load_study_spec(
        write(spec_dir, dict(VALID, methods=['full', 'later'])))
    assert spec.method('later') is method
    assert 'later' not in METHODS and 'later' in spec_module.METHODS


@pytest.mark.parametrize('name',
                         sorted(path.name for path in SPECS.glob('*.yaml')))
def test_shipped_specs_load(name):
    spec = load_study_spec(str(SPECS / name))
    assert all(
        Path(path).is_file() for config in spec.configs
        for path in config.files.values())
    # every pfb option a method sets is one PFB accepts
    from mmpfb.models.blocking.blocking_options import option_names
    valid = option_names()
    for method in spec.methods:
        for key in method.cfg_options:
            if key.startswith('model.pfb.'):
                assert key[len('model.pfb.'):] in valid, key
