# Copyright (c) mmpfb contributors. All rights reserved.
"""The study spec: configs x methods x ratios x seeds, read from a file.

A spec is a Python or YAML file (anything :meth:`Config.fromfile` reads)
with these keys:

- ``configs``: a list of data sets to train on, each a dict with
  ``name``; ``files``, the config per variant (e.g. ``full`` and ``pfb``;
  a relative path is taken from the spec file's folder); optional
  ``data_root`` (set on every data loader's dataset; relative to the
  working directory), ``prepare`` (a function that writes the data,
  called with ``data_root`` once before the runs, named as
  :func:`pkgutil.resolve_name` takes it), ``tta`` (test with the
  config's test-time augmentation; default false), ``classes`` (the
  classes whose scores the summary table shows; default all),
  ``class_groups`` (group name: classes, each group's mean class score
  shown in the summary, e.g. many / medium / few-shot; default none),
  ``time_ratios`` (target method: prune ratio: that method's training
  time over a time-matched base's, measured apart; see
  :mod:`mmpfb.experiments.study.schedule`; default none) and
  ``time_match_unit`` (``iter`` shortens an epoch-based schedule in
  iterations, for schedules of a few epochs; default the config's own
  unit).
- ``methods``: names of registered methods (:data:`METHODS`) or dicts
  that define one (the fields of :class:`Method`).
- ``ratios``: prune ratios in (0, 1), for the methods that use one.
- ``seeds``: ``randomness.seed`` of the runs. Defaults to ``[0]``.
- ``cfg_options``: overrides for every run. Defaults to ``{}``.
- ``name``: the study's name. Defaults to the spec file's name.
"""
import os.path as osp
import re
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple, Union

from mmengine.config import Config

NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')


class Method(NamedTuple):
    """How one method trains: a config variant plus options.

    Attributes:
        name (str): Names the method in run names and tables.
        variant (str): Which of a config entry's ``files`` it trains.
            Defaults to ``'full'``.
        cfg_options (dict): Overrides of that config. Defaults to ``{}``.
        ratio_key (str, optional): The config key that takes the prune
            ratio; the method then runs once per ratio. None: once per
            seed. Defaults to None.
        time_matched (tuple[str, str], optional): ``(base, target)``:
            train as the ratio-free method ``base`` with a schedule
            shortened so that its training time equals that of ``target``
            at each ratio (see :mod:`mmpfb.experiments.study.schedule`); then
            ``variant`` and ``cfg_options`` are taken from ``base``.
            Defaults to None.
    """
    name: str
    variant: str = 'full'
    cfg_options: Mapping = {}
    ratio_key: Optional[str] = None
    time_matched: Optional[Tuple[str, str]] = None

    @property
    def uses_ratios(self) -> bool:
        """Whether the method runs once per prune ratio."""
        return self.ratio_key is not None or self.time_matched is not None


METHODS: Dict[str, Method] = {}


def register_method(method: Method, force: bool = False) -> Method:
    """Make ``method`` available to specs by its name.

    Args:
        method (Method): The method.
        force (bool): Replace a method of the same name. Defaults to
            False.

    Returns:
        Method: ``method``.
    """
    if method.name in METHODS and not force:
        raise KeyError(f'a method named {method.name!r} is already '
                       'registered; pass force=True to replace it')
    METHODS[method.name] = method
    return method


PRUNE_RATIO = 'model.pfb.prune_ratio'
register_method(Method('full'))
register_method(
    Method(
        'pfb',
        variant='pfb',
        cfg_options={'model.pfb.criterion': 'density'},
        ratio_key=PRUNE_RATIO))
register_method(
    Method(
        'random',
        variant='pfb',
        cfg_options={'model.pfb.criterion': 'random'},
        ratio_key=PRUNE_RATIO))
register_method(Method('full_time_matched', time_matched=('full', 'pfb')))


class StudyConfig(NamedTuple):
    """One data set of a study: its configs and how to get its data.

    Attributes:
        name (str): Names the data set in folders and tables.
        files (dict[str, str]): Absolute config path per variant.
        data_root (str, optional): Absolute data root for every data
            loader; None keeps the configs' own. Defaults to None.
        prepare (str, optional): The function that writes the data.
            Defaults to None.
        tta (bool): Test with test-time augmentation. Defaults to False.
        classes (tuple[str], optional): Classes shown in the summary
            table; None: all. Defaults to None.
        class_groups (dict[str, tuple[str]]): Groups of classes whose
            mean score the summary shows. Defaults to ``{}``.
        time_ratios (dict[str, dict[float, float]]): Per target method
            and prune ratio, the measured training time of the target over
            a time-matched method's base; used instead of the finished
            runs' times. Defaults to ``{}``.
        time_match_unit (str, optional): ``'iter'`` shortens the
            epoch-based schedule of a time-matched run in iterations;
            None keeps the config's unit. Defaults to None.
    """
    name: str
    files: Mapping[str, str]
    data_root: Optional[str] = None
    prepare: Optional[str] = None
    tta: bool = False
    classes: Optional[Tuple[str, ...]] = None
    class_groups: Mapping[str, Tuple[str, ...]] = {}
    time_ratios: Mapping[str, Mapping[float, float]] = {}
    time_match_unit: Optional[str] = None


class StudySpec(NamedTuple):
    """A parsed, checked study spec (see the module's documentation)."""
    name: str
    configs: Tuple[StudyConfig, ...]
    methods: Tuple[Method, ...]
    ratios: Tuple[float, ...]
    seeds: Tuple[int, ...]
    cfg_options: Mapping

    def method(self, name: str) -> Method:
        """The spec's method called ``name``."""
        return next(m for m in self.methods if m.name == name)

    def config(self, name: str) -> StudyConfig:
        """The spec's config entry called ``name``."""
        return next(c for c in self.configs if c.name == name)


class SpecError(ValueError):
    """A study spec that cannot be run; the message names the field."""


TOP_KEYS = ('name', 'configs', 'methods', 'ratios', 'seeds', 'cfg_options')
CONFIG_KEYS = ('name', 'files', 'data_root', 'prepare', 'tta', 'classes',
               'class_groups', 'time_ratios', 'time_match_unit')
METHOD_KEYS = Method._fields


def _check_keys(where: str, value: dict, allowed: tuple) -> None:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise SpecError(f'{where}: unknown key(s) {unknown}; allowed: '
                        f'{list(allowed)}')


def _check_list(where: str, value, kind: Union[type, tuple]) -> list:
    """``value`` as a non-empty list of distinct ``kind`` items."""
    if not isinstance(value, (list, tuple)) or not value:
        raise SpecError(f'{where} must be a non-empty list, got {value!r}')
    for item in value:
        if not isinstance(item, kind) or isinstance(item, bool):
            raise SpecError(f'{where} must hold '
                            f'{getattr(kind, "__name__", "number")} values, '
                            f'got {item!r}')
    if len(set(value)) != len(value):
        raise SpecError(f'{where} has duplicates: {list(value)}')
    return list(value)


def _check_name(where: str, value) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise SpecError(f'{where} must be a name of letters, digits, '
                        f'"_", "." and "-", got {value!r}')
    return value


def _parse_config(where: str, entry, folder: str) -> StudyConfig:
    if not isinstance(entry, dict):
        raise SpecError(f'{where} must be a dict, got {entry!r}')
    _check_keys(where, entry, CONFIG_KEYS)
    name = _check_name(f'{where}.name', entry.get('name'))
    files = entry.get('files')
    if not isinstance(files, dict) or not files:
        raise SpecError(f'{where}.files must be a non-empty dict of '
                        f'variant: config path, got {files!r}')
    paths = {}
    for variant, path in files.items():
        if not isinstance(path, str):
            raise SpecError(
                f'{where}.files.{variant} must be a path, got {path!r}')
        paths[variant] = osp.normpath(osp.join(folder, path))
        if not osp.isfile(paths[variant]):
            raise SpecError(f'{where}.files.{variant}: no config file at '
                            f'{paths[variant]}')
    data_root = entry.get('data_root')
    if data_root is not None and not isinstance(data_root, str):
        raise SpecError(f'{where}.data_root must be a path, got {data_root!r}')
    prepare = entry.get('prepare')
    if prepare is not None and (not isinstance(prepare, str)
                                or '.' not in prepare):
        raise SpecError(f'{where}.prepare must be a dotted function name '
                        f'like package.module.function, got {prepare!r}')
    if prepare is not None and data_root is None:
        raise SpecError(f'{where}.prepare needs {where}.data_root')
    tta = entry.get('tta', False)
    if not isinstance(tta, bool):
        raise SpecError(f'{where}.tta must be true or false, got {tta!r}')
    classes = entry.get('classes')
    if classes is not None:
        classes = tuple(_check_list(f'{where}.classes', classes, str))
    unit = entry.get('time_match_unit')
    if unit not in (None, 'epoch', 'iter'):
        raise SpecError(f"{where}.time_match_unit must be 'epoch' or "
                        f"'iter', got {unit!r}")
    return StudyConfig(
        name=name,
        files=paths,
        data_root=None if data_root is None else osp.abspath(data_root),
        prepare=prepare,
        tta=tta,
        classes=classes,
        class_groups=_parse_class_groups(f'{where}.class_groups',
                                         entry.get('class_groups', {})),
        time_ratios=_parse_time_ratios(f'{where}.time_ratios',
                                       entry.get('time_ratios', {})),
        time_match_unit=unit)


def _parse_class_groups(where: str, value) -> Dict[str, Tuple[str, ...]]:
    """``value`` as a dict of group name to a list of classes."""
    if not isinstance(value, dict):
        raise SpecError(f'{where} must be a dict of group name: classes, '
                        f'got {value!r}')
    return {
        _check_name(f'{where} name', group):
        tuple(_check_list(f'{where}.{group}', classes, str))
        for group, classes in value.items()
    }


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_time_ratios(where: str, value) -> Dict[str, Dict[float, float]]:
    """``value`` as a dict of target method to a dict of prune ratio in
    (0, 1) to time ratio > 0."""
    if not isinstance(value, dict):
        raise SpecError(f'{where} must be a dict of target method: '
                        f'{{prune ratio: measured time ratio}}, got {value!r}')
    parsed = {}
    for target, ratios in value.items():
        here = f'{where}.{_check_name(f"{where} key", target)}'
        if not isinstance(ratios, dict):
            raise SpecError(f'{here} must be a dict of prune ratio: '
                            f'measured time ratio, got {ratios!r}')
        for ratio, time_ratio in ratios.items():
            if not _is_number(ratio) or not 0 < ratio < 1:
                raise SpecError(f'{here}: prune ratios must lie in (0, 1), '
                                f'got {ratio!r}')
            if not _is_number(time_ratio) or time_ratio <= 0:
                raise SpecError(f'{here}.{ratio} must be a number > 0, got '
                                f'{time_ratio!r}')
        parsed[target] = {float(r): float(t) for r, t in ratios.items()}
    return parsed


def _parse_method(where: str, entry: Union[str, dict]) -> Method:
    if isinstance(entry, str):
        if entry not in METHODS:
            raise SpecError(f'{where}: unknown method {entry!r}; '
                            f'registered: {sorted(METHODS)}')
        return METHODS[entry]
    if not isinstance(entry, dict):
        raise SpecError(f'{where} must be a method name or a dict, got '
                        f'{entry!r}')
    _check_keys(where, entry, METHOD_KEYS)
    method = Method(**entry)
    _check_name(f'{where}.name', method.name)
    for key in ('variant', 'ratio_key'):
        value = getattr(method, key)
        if value is not None and not isinstance(value, str):
            raise SpecError(f'{where}.{key} must be a str, got {value!r}')
    if not isinstance(method.cfg_options, dict):
        raise SpecError(f'{where}.cfg_options must be a dict, got '
                        f'{method.cfg_options!r}')
    if method.time_matched is not None:
        pair = method.time_matched
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(p, str) for p in pair)):
            raise SpecError(f'{where}.time_matched must be [base, target] '
                            f'method names, got {pair!r}')
        defined = set(entry) & {'variant', 'cfg_options', 'ratio_key'}
        if defined:
            raise SpecError(f'{where}: a time-matched method takes its '
                            f'settings from its base; remove '
                            f'{sorted(defined)}')
        method = method._replace(time_matched=tuple(pair))
    return method


def _resolve_time_matched(methods: List[Method]) -> List[Method]:
    """Check each time-matched method's pair; copy its base's settings."""
    by_name = {m.name: m for m in methods}
    resolved = []
    for method in methods:
        if method.time_matched is not None:
            base, target = method.time_matched
            where = f'methods.{method.name}.time_matched'
            for role, name in (('base', base), ('target', target)):
                if name not in by_name:
                    raise SpecError(f'{where}: {role} {name!r} is not one '
                                    f'of the methods {sorted(by_name)}')
            if by_name[base].uses_ratios:
                raise SpecError(f'{where}: base {base!r} must run without '
                                'a prune ratio')
            if by_name[target].ratio_key is None:
                raise SpecError(f'{where}: target {target!r} must run per '
                                'prune ratio (have a ratio_key)')
            method = method._replace(
                variant=by_name[base].variant,
                cfg_options=by_name[base].cfg_options)
        resolved.append(method)
    return resolved


def parse_study_spec(raw: dict, folder: str, name: str) -> StudySpec:
    """Check a spec given as a dict and resolve its paths.

    Args:
        raw (dict): The spec's keys (see the module's documentation).
        folder (str): Relative config paths start here.
        name (str): The study's name when ``raw`` has none.

    Returns:
        StudySpec: The checked spec.
    """
    _check_keys('spec', raw, TOP_KEYS)
    name = _check_name('name', raw.get('name', name))
    entries = raw.get('configs')
    if not isinstance(entries, (list, tuple)) or not entries:
        raise SpecError(f'configs must be a non-empty list, got {entries!r}')
    configs = [
        _parse_config(f'configs[{i}]', entry, folder)
        for i, entry in enumerate(entries)
    ]
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise SpecError(f'configs: names must differ, got {names}')
    entries = raw.get('methods')
    if not isinstance(entries, (list, tuple)) or not entries:
        raise SpecError(f'methods must be a non-empty list, got {entries!r}')
    methods = [
        _parse_method(f'methods[{i}]', entry)
        for i, entry in enumerate(entries)
    ]
    method_names = [m.name for m in methods]
    if len(set(method_names)) != len(method_names):
        raise SpecError(f'methods: names must differ, got {method_names}')
    methods = _resolve_time_matched(methods)
    for method in methods:
        for config in configs:
            if method.variant not in config.files:
                raise SpecError(
                    f'method {method.name!r} trains variant '
                    f'{method.variant!r}, which configs.{config.name}.files '
                    f'lacks (it has {sorted(config.files)})')
    ratios: Tuple[float, ...] = ()
    if any(m.uses_ratios for m in methods):
        ratios = tuple(
            float(r)
            for r in _check_list('ratios', raw.get('ratios'), (float, int)))
        for ratio in ratios:
            if not 0 < ratio < 1:
                raise SpecError(f'ratios must lie in (0, 1), got {ratio}')
    seeds = tuple(_check_list('seeds', raw.get('seeds', [0]), int))
    cfg_options = raw.get('cfg_options', {})
    if not isinstance(cfg_options, dict):
        raise SpecError(f'cfg_options must be a dict, got {cfg_options!r}')
    return StudySpec(name, tuple(configs), tuple(methods), ratios, seeds,
                     dict(cfg_options))


def _select_by_name(entries: list, names: List[str], key: str) -> list:
    """The entries of ``key`` called ``names``, in that order; a method
    that the file does not define stays a name (a registered method)."""
    by_name = {
        e['name']: e
        for e in entries if isinstance(e, dict) and 'name' in e
    }
    if key == 'configs':
        unknown = sorted(set(names) - set(by_name))
        if unknown:
            raise SpecError(f'configs: no config entry named {unknown} '
                            f'(the spec has {sorted(by_name)})')
    return [by_name.get(name, name) for name in names]


def load_study_spec(path: str, overrides: Optional[dict] = None) -> StudySpec:
    """Read, check and resolve a study spec file.

    Args:
        path (str): A ``.py``, ``.yaml`` or ``.json`` spec.
        overrides (dict, optional): Top-level keys that replace the
            file's, e.g. from the command line: ``configs`` and
            ``methods`` as lists of names select the file's entries (a
            method name the file does not define is a registered one),
            ``cfg_options`` is merged into the file's. Defaults to None.

    Returns:
        StudySpec: The checked spec.
    """
    if not osp.isfile(path):
        raise SpecError(f'no study spec file at {path}')
    raw = Config.fromfile(path).to_dict()
    for key, value in (overrides or {}).items():
        if key == 'cfg_options':
            value = {**raw.get('cfg_options', {}), **value}
        elif key in ('configs', 'methods'):
            value = _select_by_name(raw.get(key, []), value, key)
        raw[key] = value
    name = osp.splitext(osp.basename(path))[0]
    return parse_study_spec(raw, osp.dirname(osp.abspath(path)), name)
