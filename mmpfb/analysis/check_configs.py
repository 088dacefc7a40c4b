# Copyright (c) mmpfb contributors. All rights reserved.
"""Which of a host library's configs train with PFB.

For each config, :func:`check_config` swaps the model's type for mmpfb's
host class, builds the parent and its PFB twin with the same random
weights (nothing is downloaded), and checks on a small random batch that
a step at ``p = 0`` gives the parent's losses and gradients and that a
step at ``p = 0.5`` keeps half the batch with finite losses.
:func:`check_configs` runs it over files, folders and ``<package>::``
prefixes, one config per model family unless asked for all.
"""
import copy
import gc
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from torch import Tensor

from mmpfb.utils import is_installed
from .check_splitter import valid_stages

#: A host library's model type mapped to the mmpfb class that hosts PFB.
PFB_HOSTS = {
    ('mmseg', 'EncoderDecoder'): 'mmpfb.PFBEncoderDecoder',
    ('mmseg', 'CascadeEncoderDecoder'): 'mmpfb.PFBCascadeEncoderDecoder',
    ('mmpretrain', 'ImageClassifier'): 'mmpfb.PFBImageClassifier',
}
#: What :func:`check_config` can report, best first.
STATUSES = ('ok', 'refused at build', 'differs at p = 0', 'does not prune',
            'not a PFB host', 'error')
#: Norm layers that need a process group, replaced by ``BN``.
SYNC_NORMS = ('SyncBN', 'MMSyncBN', 'nn.SyncBatchNorm')
#: Size arguments of crop and resize transforms.
CROP_KEYS = ('crop_size', 'scale')
#: The input side used where the config fixes none.
SMALL_SIDE = 64
#: ``make(size, batch_size)``: a random batch of ``(H, W) = size``.
BatchMaker = Callable[[Tuple[int, int], int], Tuple[Tensor, list]]
#: Batch sizes of the step at ``p = 0`` and of the step at ``p = 0.5``.
EXACT_BATCH = 2
PRUNE_BATCH = 4


@dataclass
class ConfigReport:
    """What :func:`check_config` found for one config.

    Attributes:
        host (str): The host library (:func:`config_scope`; when the
            config does not load, :func:`package_of` its path).
        family (str): The model family (the config's first folder below
            the searched one).
        config (str): The config's path.
        status (str): One of :data:`STATUSES`.
        reason (str): Why, for any status but ``'ok'``: the first line
            of the exception or the failed check.
        block_stage (int, optional): The block stage checked.
        shape (tuple[int, int], optional): ``(H, W)`` of the input.
        seconds (float): Time the check took.
    """
    host: str
    family: str
    config: str
    status: str
    reason: str = ''
    block_stage: Optional[int] = None
    shape: Optional[Tuple[int, int]] = None
    seconds: float = 0.0


class CheckFailed(Exception):
    """A check that failed with one of :data:`STATUSES`.

    Args:
        status (str): The status to report.
        reason (str): Why.
    """

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def first_line(exc: BaseException) -> str:
    """``'<type>: <first line of the message>'``."""
    lines = str(exc).strip().splitlines()
    name = type(exc).__name__
    return f'{name}: {lines[0]}' if lines else name


@contextmanager
def reported_as(status: str) -> Iterator[None]:
    """Turn any exception in the block but :class:`CheckFailed` into one
    with ``status``."""
    try:
        yield
    except CheckFailed:
        raise
    except Exception as exc:
        raise CheckFailed(status, first_line(exc)) from exc


def config_root(source: str) -> Path:
    """A file or folder, or ``'<package>::<path>'`` inside that
    package's ``.mim/configs``.

    Raises:
        ValueError: The package is not installed or the path does not
            exist.
    """
    if '::' in source:
        package, _, rest = source.partition('::')
        if not is_installed(package):
            raise ValueError(f'{source!r} names package {package!r}, which '
                             'is not installed')
        spec = find_spec(package)
        root = Path(spec.origin).parent / '.mim' / 'configs'
        path = root / rest if rest else root
    else:
        path = Path(source)
    if not path.exists():
        raise ValueError(f'no config file or folder at {str(path)!r} '
                         f'(from {source!r})')
    return path


def find_configs(sources: Sequence[str],
                 all_configs: bool = False) -> List[Tuple[str, Path]]:
    """The configs to check, as ``(family, path)``.

    A file is its own config, of the family named by its folder. A
    folder holds every ``*.py`` below it outside folders that start with
    ``_`` (``_base_``); the family is the config's first folder below it
    (or the folder itself). Unless ``all_configs``, only the first config
    of each family of each source, in sorted order, is kept.

    Args:
        sources (Sequence[str]): Files, folders or ``<package>::``
            prefixes (see :func:`config_root`).
        all_configs (bool): Keep every config. Defaults to False.

    Returns:
        list[tuple[str, Path]]: Source by source, sorted by family, then
        path.
    """
    found = []
    for source in sources:
        root = config_root(source)
        if root.is_file():
            found.append((root.parent.name, root))
            continue
        configs = []
        for path in sorted(root.rglob('*.py')):
            parts = path.relative_to(root).parts
            if not any(part.startswith('_') for part in parts):
                configs.append(
                    (parts[0] if len(parts) > 1 else root.name, path))
        configs.sort()
        if not all_configs:
            firsts = {}
            for family, path in configs:
                firsts.setdefault(family, path)
            configs = sorted(firsts.items())
        found += configs
    return found


def _walk(node) -> Iterator[dict]:
    """Every dict in a nest of dicts, lists and tuples."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)


def _is_pretrained(init_cfg) -> bool:
    return isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'


def offline_model_cfg(model_cfg: dict) -> dict:
    """A copy of a model config that builds without a download or a
    process group: ``SyncBN`` becomes ``BN``, ``pretrained`` paths and
    ``init_cfg`` of type ``Pretrained`` are dropped (``pretrained=True``
    becomes False). A ``ConfigDict`` stays one (heads read
    ``train_cfg.num_points``)."""
    model_cfg = copy.deepcopy(model_cfg)
    for node in list(_walk(model_cfg)):
        if node.get('type') in SYNC_NORMS:
            node['type'] = 'BN'
        if isinstance(node.get('pretrained'), str):
            node.pop('pretrained')
        elif node.get('pretrained') is True:
            node['pretrained'] = False
        init_cfg = node.get('init_cfg')
        if _is_pretrained(init_cfg):
            node.pop('init_cfg')
        elif isinstance(init_cfg, (list, tuple)):
            node['init_cfg'] = [c for c in init_cfg if not _is_pretrained(c)]
    return model_cfg


def package_of(path) -> str:
    """The package whose installed configs (``<package>/.mim/configs``)
    hold ``path``, else ``'?'``."""
    parts = Path(path).parts
    if '.mim' in parts[1:]:
        return parts[parts.index('.mim') - 1]
    return '?'


def config_scope(cfg: Config) -> str:
    """The config's ``default_scope``, else :func:`package_of` its
    file."""
    return cfg.get('default_scope') or package_of(cfg.filename or '')


def pfb_host(cfg: Config) -> Tuple[str, str]:
    """The config's host library (:func:`config_scope`, or the scope in
    the model's type) and the mmpfb class for its model.

    Raises:
        CheckFailed: ``'not a PFB host'``, naming the model's type;
            ``'error'`` for a classifier without a head.
    """
    model = cfg.get('model')
    if not isinstance(model, dict):
        raise CheckFailed('not a PFB host', 'the config has no model')
    model_type = model.get('type', '')
    scope = config_scope(cfg)
    if isinstance(model_type, str) and '.' in model_type:
        scope, _, model_type = model_type.partition('.')
    pfb_type = PFB_HOSTS.get((scope, model_type))
    if pfb_type is None:
        hosts = ', '.join(f'{s}.{t}' for s, t in PFB_HOSTS)
        raise CheckFailed(
            'not a PFB host', f'model type {scope}.{model_type} is none of '
            f'PFB\'s hosts ({hosts})')
    if model_type == 'ImageClassifier' and not model.get('head'):
        raise CheckFailed(
            'error', 'the classifier has no head (a feature extractor), so '
            'it does not train')
    return scope, pfb_type


def _side_pair(size) -> Optional[Tuple[int, int]]:
    if isinstance(size, int) and size > 0:
        return size, size
    if (isinstance(size, (list, tuple)) and len(size) == 2
            and all(isinstance(s, int) and s > 0 for s in size)):
        return tuple(size)
    return None


def input_shapes(
        cfg: Config,
        shape: Optional[Tuple[int, int]] = None) -> List[Tuple[int, int]]:
    """The input sizes ``(H, W)`` to try, in order.

    ``shape`` if given; else the backbone's ``img_size`` where the config
    fixes it; else a small square and, should the model refuse it, the
    config's ``crop_size`` or the size of the first crop or resize
    transform of its training pipeline (``crop_size`` or ``scale``).

    Args:
        cfg (Config): The config.
        shape (tuple[int, int], optional): A size to use.
            Defaults to None.

    Returns:
        list[tuple[int, int]]: One or two sizes.
    """
    if shape is not None:
        return [tuple(shape)]
    fixed = _side_pair(cfg.model.get('backbone', {}).get('img_size'))
    if fixed is not None:
        return [fixed]
    shapes = [(SMALL_SIDE, SMALL_SIDE)]
    crop = _side_pair(cfg.get('crop_size'))
    if crop is None:
        for node in _walk(cfg.get('train_dataloader', {})):
            kind = str(node.get('type', ''))
            if 'Crop' in kind or 'Resize' in kind:
                sizes = [_side_pair(node.get(k)) for k in CROP_KEYS]
                crop = next((s for s in sizes if s is not None), None)
                if crop is not None:
                    break
    if crop is not None and crop not in shapes:
        shapes.append(crop)
    return shapes


def _num_classes(model_cfg: dict, key: str, most: int) -> int:
    head = model_cfg.get(key) or {}
    if isinstance(head, (list, tuple)):
        head = head[-1]
    classes = head.get('num_classes', most)
    return max(1, min(most, classes)) if isinstance(classes, int) else most


def input_channels(cfg: Config) -> int:
    """The backbone's ``in_channels``, else as many as the data
    preprocessor's ``mean`` has, else 3."""
    channels = cfg.model.get('backbone', {}).get('in_channels')
    if isinstance(channels, int):
        return channels
    preprocessor = cfg.model.get('data_preprocessor') or cfg.get(
        'data_preprocessor') or {}
    mean = preprocessor.get('mean')
    return len(mean) if isinstance(mean, (list, tuple)) else 3


def make_batch(host: str,
               model_cfg: dict,
               size: Tuple[int, int],
               batch_size: int,
               channels: int = 3) -> Tuple[Tensor, list]:
    """Random images and data samples with random labels below the
    head's number of classes, each with ``metainfo['sample_idx']``
    (segmentation images have 3 channels, their samples a random edge
    map too, as PIDNet's head needs).

    Args:
        host (str): ``'mmseg'`` or ``'mmpretrain'``.
        model_cfg (dict): The model's config, for its number of classes.
        size (tuple[int, int]): ``(H, W)``.
        batch_size (int): Images.
        channels (int): Channels of a classifier's image. Defaults to 3.

    Returns:
        tuple[Tensor, list]: The images and their data samples.
    """
    gen = torch.Generator().manual_seed(0)
    if host == 'mmseg':
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        classes = _num_classes(model_cfg, 'decode_head', 4)
        inputs = torch.randn(batch_size, 3, *size, generator=gen)
        samples = []
        for i in range(batch_size):
            sample = SegDataSample(
                metainfo=dict(
                    sample_idx=i,
                    img_shape=size,
                    pad_shape=size,
                    ori_shape=size))
            sample.gt_sem_seg = PixelData(
                data=torch.randint(classes, (1, *size), generator=gen))
            # what GenerateEdge adds for PIDNet's head; others ignore it
            sample.gt_edge_map = PixelData(
                data=torch.randint(2, (1, *size), generator=gen))
            samples.append(sample)
        return inputs, samples
    from mmpretrain.structures import DataSample
    classes = _num_classes(model_cfg, 'head', 5)
    inputs = torch.randn(batch_size, channels, *size, generator=gen)
    labels = torch.randint(classes, (batch_size, ), generator=gen)
    return inputs, [
        DataSample(metainfo=dict(sample_idx=i)).set_gt_label(int(label))
        for i, label in enumerate(labels)
    ]


def _register_hosts() -> None:
    """Register mmpfb's parts and every installed host's, setting no
    default scope."""
    from mmpfb.utils import register_all_modules
    for host in ('mmseg', 'mmpretrain'):
        if is_installed(host):
            import_module(f'{host}.utils').register_all_modules(False)
    register_all_modules()


def build_pair(
        host: str,
        model_cfg: dict,
        pfb_type: str,
        block_stage: int,
        max_params: Optional[int] = None) -> Tuple[nn.Module, nn.Module]:
    """The parent and its PFB twin with the parent's weights, built in the
    host's scope, in training mode.

    Args:
        host (str): The host library's scope.
        model_cfg (dict): The parent's config.
        pfb_type (str): The twin's type.
        block_stage (int): Clipped to the backbone's valid range.
        max_params (int, optional): See :func:`check_config`.
            Defaults to None.

    Raises:
        CheckFailed: ``'refused at build'`` when the twin does not
            build (the message of mmpfb's error as the reason);
            ``'error'`` when the parent has more than ``max_params``
            parameters.
    """
    registry = import_module(f'{host}.registry').MODELS
    with DefaultScope.overwrite_default_scope(host):
        torch.manual_seed(0)
        parent = registry.build(model_cfg)
        num_params = sum(p.numel() for p in parent.parameters())
        if max_params is not None and num_params > max_params:
            raise CheckFailed(
                'error', f'{num_params / 1e6:.0f}M parameters, above the '
                f'limit of {max_params / 1e6:.0f}M')
        with reported_as('refused at build'):
            stages = valid_stages(parent.backbone)
            stage = min(max(block_stage, stages.start), stages.stop - 1)
            torch.manual_seed(0)
            twin = registry.build(
                dict(
                    model_cfg,
                    type=pfb_type,
                    pfb=dict(
                        block_stage=stage, prune_ratio=0.0, num_centroids=2)))
    # the twin's own (empty) estimator state, the parent's weights
    state = twin.state_dict()
    state.update(parent.state_dict())
    twin.load_state_dict(state)
    parent.train()
    twin.train()
    return parent, twin


def run_step(model: nn.Module, inputs: Tensor,
             samples: list) -> Dict[str, Tensor]:
    """One forward and backward pass of ``model.loss``, seeded; the
    loss parts are summed by the model's ``parse_losses``."""
    torch.manual_seed(1)
    model.zero_grad()
    losses = model.loss(inputs, copy.deepcopy(samples))
    total, _ = model.parse_losses(losses)
    total.backward()
    return losses


def _loss_tensors(losses: dict) -> Dict[str, Tensor]:
    out = {}
    for key, value in losses.items():
        if 'loss' not in key:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for i, tensor in enumerate(values):
            out[f'{key}[{i}]' if len(values) > 1 else key] = tensor
    return out


def _all_finite(losses: dict) -> bool:
    return all(torch.isfinite(v).all() for v in _loss_tensors(losses).values())


def assert_same_step(parent: nn.Module, twin: nn.Module, parent_losses: dict,
                     twin_losses: dict) -> None:
    """The twin's losses and gradients are the parent's.

    Raises:
        CheckFailed: ``'differs at p = 0'`` naming the first loss or
            parameter that differs.
    """
    got = _loss_tensors(twin_losses)
    for key, value in _loss_tensors(parent_losses).items():
        if key not in got:
            raise CheckFailed('differs at p = 0', f'loss {key} is missing')
        try:
            torch.testing.assert_close(got[key], value)
        except AssertionError as exc:
            raise CheckFailed('differs at p = 0',
                              f'loss {key}: {first_line(exc)}') from exc
    grads = dict(twin.named_parameters())
    for name, param in parent.named_parameters():
        if param.grad is None:
            continue
        grad = grads[name].grad
        if grad is None:
            raise CheckFailed('differs at p = 0', f'{name} gets no gradient')
        if torch.equal(grad, param.grad):  # the common case, fast
            continue
        try:
            torch.testing.assert_close(grad, param.grad)
        except AssertionError as exc:
            raise CheckFailed(
                'differs at p = 0',
                f'gradient of {name}: {first_line(exc)}') from exc


def parent_step(parent: nn.Module, make: BatchMaker,
                shapes: Sequence[Tuple[int, int]]):
    """The parent's step at the first size it accepts.

    Args:
        parent (nn.Module): The host's model.
        make (BatchMaker): Makes a batch of a size.
        shapes (Sequence[tuple[int, int]]): The sizes to try.

    Returns:
        tuple: The size, the batch and the parent's losses.

    Raises:
        CheckFailed: ``'error'`` when the parent takes none of the sizes
            or its losses are not finite.
    """
    for i, size in enumerate(shapes):
        batch = make(size, EXACT_BATCH)
        try:
            losses = run_step(parent, *batch)
        except Exception as exc:  # the next size, or the report
            if i + 1 < len(shapes):
                continue
            raise CheckFailed('error', first_line(exc)) from exc
        if not _all_finite(losses):
            raise CheckFailed('error', 'the parent\'s losses are not finite')
        return size, batch, losses


def prune_step(twin: nn.Module, make: BatchMaker, size: Tuple[int,
                                                              int]) -> None:
    """A step at ``p = 0.5`` keeps half the batch with finite losses.

    Args:
        twin (nn.Module): The PFB model, its estimator filled.
        make (BatchMaker): Makes a batch of a size.
        size (tuple[int, int]): The batch's ``(H, W)``.

    Raises:
        CheckFailed: ``'does not prune'`` otherwise.
    """
    twin.set_pruning(prune_ratio=0.5)
    with reported_as('does not prune'):
        losses = run_step(twin, *make(size, PRUNE_BATCH))
    kept = int(losses['pfb_keep_num'])
    if kept != PRUNE_BATCH // 2:
        raise CheckFailed(
            'does not prune',
            f'kept {kept} of {PRUNE_BATCH} samples at p = 0.5, not '
            f'{PRUNE_BATCH // 2}')
    if not _all_finite(losses):
        raise CheckFailed('does not prune',
                          'the losses at p = 0.5 are not finite')


def check_config(path,
                 family: str = '',
                 block_stage: int = 1,
                 shape: Optional[Tuple[int, int]] = None,
                 max_params: Optional[int] = None) -> ConfigReport:
    """Check that one config's model trains with PFB.

    The model's type is swapped for mmpfb's host (see
    :data:`PFB_HOSTS`); the parent and the twin are built with the same
    weights in the host's default scope (:func:`offline_model_cfg`: no
    download, ``BN`` for ``SyncBN``); a 2-image step at ``p = 0`` must
    give the parent's losses and gradients, a 4-image step at ``p = 0.5``
    must keep 2 images with finite losses. Any exception becomes the
    report's status and reason.

    Args:
        path (str | Path): The config file.
        family (str): Its model family, for the report. Defaults to ''.
        block_stage (int): The block stage, clipped to the backbone's
            valid range. Defaults to 1.
        shape (tuple[int, int], optional): ``(H, W)`` of the input;
            None picks one (:func:`input_shapes`). Defaults to None.
        max_params (int, optional): Report a parent with more parameters
            as ``'error'`` without training it. Defaults to None.

    Returns:
        ConfigReport: The result.
    """
    start = time.perf_counter()
    report = ConfigReport(package_of(path), family, str(path), 'ok')
    parent = twin = None
    try:
        cfg = Config.fromfile(str(path))
        report.host = config_scope(cfg)
        host, pfb_type = pfb_host(cfg)
        report.host = host
        _register_hosts()
        model_cfg = offline_model_cfg(cfg.model)
        shapes = input_shapes(cfg, shape)
        parent, twin = build_pair(host, model_cfg, pfb_type, block_stage,
                                  max_params)
        report.block_stage = twin.blocker.splitter.block_stage
        make = partial(
            make_batch, host, model_cfg, channels=input_channels(cfg))
        size, batch, ref = parent_step(parent, make, shapes)
        report.shape = size
        with reported_as('differs at p = 0'):
            got = run_step(twin, *batch)
        assert_same_step(parent, twin, ref, got)
        prune_step(twin, make, size)
    except CheckFailed as exc:
        report.status, report.reason = exc.status, str(exc)
    except Exception as exc:  # one config never stops the others
        report.status, report.reason = 'error', first_line(exc)
    finally:
        if parent is not None:  # free the models before the next config
            del parent, twin
            gc.collect()
    report.seconds = time.perf_counter() - start
    return report


def check_configs(sources: Sequence[str],
                  block_stage: int = 1,
                  all_configs: bool = False,
                  shape: Optional[Tuple[int, int]] = None,
                  max_params: Optional[int] = None) -> List[ConfigReport]:
    """:func:`check_config` on every config :func:`find_configs` finds,
    logged one line each.

    Args:
        sources (Sequence[str]): Config files, folders or
            ``<package>::`` prefixes.
        block_stage (int): See :func:`check_config`. Defaults to 1.
        all_configs (bool): Every config, not only the first of each
            family. Defaults to False.
        shape (tuple[int, int], optional): See :func:`check_config`.
            Defaults to None.
        max_params (int, optional): See :func:`check_config`.
            Defaults to None.

    Returns:
        list[ConfigReport]: One report per config.
    """
    configs = find_configs(sources, all_configs)
    print_log(f'checking {len(configs)} configs', logger='current')
    reports = []
    for i, (family, path) in enumerate(configs, 1):
        report = check_config(path, family, block_stage, shape, max_params)
        reports.append(report)
        print_log(
            f'[{i}/{len(configs)}] {family}/{path.name}: {report.status}'
            f' ({report.seconds:.1f} s) {report.reason}',
            logger='current')
    return reports


def count_by_status(reports: Sequence[ConfigReport]) -> Dict[str, Counter]:
    """How many configs of each host library got each status."""
    counts: Dict[str, Counter] = {}
    for report in reports:
        counts.setdefault(report.host, Counter())[report.status] += 1
    return counts


def _cell(text: str, width: Optional[int] = None) -> str:
    text = text.replace('|', '\\|')
    if width is not None and len(text) > width:
        text = text[:width - 3] + '...'
    return text


def format_reports(reports: Sequence[ConfigReport],
                   reason_width: Optional[int] = 120) -> List[str]:
    """The reports as a markdown table, then the counts by status per
    host library as a second one.

    Args:
        reports (Sequence[ConfigReport]): The reports.
        reason_width (int, optional): Cut reasons to this many
            characters; None keeps them whole. Defaults to 120.

    Returns:
        list[str]: The lines.
    """
    lines = [
        '| host | family | config | status | K | input | seconds | reason |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for r in reports:
        shape = '' if r.shape is None else f'{r.shape[0]}x{r.shape[1]}'
        stage = '' if r.block_stage is None else str(r.block_stage)
        lines.append(f'| {r.host} | {r.family} | {Path(r.config).name} | '
                     f'{r.status} | {stage} | {shape} | {r.seconds:.1f} | '
                     f'{_cell(r.reason, reason_width)} |')
    lines += [
        '', '| host | ' + ' | '.join(STATUSES) + ' | total |',
        '|---|' + '---|' * (len(STATUSES) + 1)
    ]
    for host, counts in sorted(count_by_status(reports).items()):
        cells = ' | '.join(str(counts[s]) for s in STATUSES)
        lines.append(f'| {host} | {cells} | {sum(counts.values())} |')
    total = sum(r.seconds for r in reports)
    lines += ['', f'{len(reports)} configs checked in {total:.0f} s']
    return lines
