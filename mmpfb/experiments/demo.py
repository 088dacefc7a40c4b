# Copyright (c) mmpfb contributors. All rights reserved.
"""The demo: PFB against full-data training on generated data.

Generates the demo dataset (no download), trains the small model of
``configs/demo/`` with PFB and with every sample, evaluates both and
formats the score per class and overall and the time per training
iteration. ``seg``: DeepLabV3-R18 on the demo VOC data, evaluated with
multi-scale + flip test-time augmentation (mIoU, per-class IoU; needs
MMSegmentation). ``cls``: a narrow ResNet-18 on the demo shapes,
evaluated plainly (top-1 accuracy, per-class accuracy; needs MMPretrain).
``tools/run_demo.py`` is its command line.
"""
import os.path as osp
import time
from pkgutil import resolve_name
from typing import Dict, List, NamedTuple, Optional

from mmengine.config import Config

from mmpfb.utils.arg_checks import check_choice
from .evaluation import HOST_TASKS
from .train_and_test import evaluate_last_checkpoint, set_data_root, train

CONFIG_ROOT = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')


class DemoTask(NamedTuple):
    """What differs between the demos; the running and the table are
    shared.

    Attributes:
        title (str): Heads the result table.
        host (str): The OpenMMLab library the task needs.
        configs (dict[str, str]): ``pfb`` and ``full`` configs, relative
            to ``configs/``.
        generator (str): The function that writes the data, called with
            the data root, as :func:`pkgutil.resolve_name` takes it.
        data_dir (str): Default data root, below ``data/``.
        work_dir (str): Default work directory, below ``work_dirs/``.
        tta (bool): Test with the configs' test-time augmentation.
    """
    title: str
    host: str
    configs: Dict[str, str]
    generator: str
    data_dir: str
    work_dir: str
    tta: bool


DEMO_TASKS = dict(
    seg=DemoTask(
        title='DeepLabV3-R18 on the embedded demo VOC data',
        host='mmseg',
        configs=dict(
            pfb='demo/deeplabv3_r18-d8_pfb-p50_1xb8-2k_demo-voc-64x64.py',
            full='demo/deeplabv3_r18-d8_1xb8-2k_demo-voc-64x64.py'),
        generator='mmpfb.experiments.datasets.demo_voc.generate_demo_voc',
        data_dir='demo_voc',
        work_dir='demo',
        tta=True),
    cls=DemoTask(
        title='ResNet-18 (16 channels) on the generated demo shapes',
        host='mmpretrain',
        configs=dict(
            pfb='demo/resnet18_pfb-p50_1xb32-10e_demo-shapes-32px.py',
            full='demo/resnet18_1xb32-10e_demo-shapes-32px.py'),
        generator=('mmpfb.experiments.datasets.demo_shapes.'
                   'generate_demo_shapes'),
        data_dir='demo_shapes',
        work_dir='demo_cls',
        tta=False))


def demo_config(task: str,
                name: str,
                work_dir: str,
                data_root: str,
                cfg_options: Optional[dict] = None) -> Config:
    """Load one of a demo's configs for a run.

    Args:
        task (str): A key of :data:`DEMO_TASKS`.
        name (str): ``'pfb'`` or ``'full'``.
        work_dir (str): The demo's work directory; this config's run goes
            to ``<work_dir>/<name>``.
        data_root (str): Where the demo data is.
        cfg_options (dict, optional): Overrides, as ``--cfg-options`` of
            ``tools/train.py``. Defaults to None.

    Returns:
        Config: The config.
    """
    cfg = Config.fromfile(
        osp.join(CONFIG_ROOT, DEMO_TASKS[task].configs[name]))
    cfg.merge_from_dict(cfg_options or {})
    cfg.work_dir = osp.join(work_dir, name)
    set_data_root(cfg, data_root)
    return cfg


def run_demo(task: str = 'seg',
             work_dir: Optional[str] = None,
             data_root: Optional[str] = None,
             cfg_options: Optional[dict] = None,
             verbose: bool = False) -> Dict[str, Dict[str, float]]:
    """Generate the data, train and test the PFB and the full config.

    Args:
        task (str): ``'seg'`` or ``'cls'`` (see :data:`DEMO_TASKS`).
            Defaults to ``'seg'``.
        work_dir (str, optional): Logs and checkpoints; None:
            ``work_dirs/<task's work_dir>``. Defaults to None.
        data_root (str, optional): Where the data is generated; None:
            ``data/<task's data_dir>``. Defaults to None.
        cfg_options (dict, optional): Overrides of both configs.
            Defaults to None.
        verbose (bool): Show MMEngine's logs instead of progress bars.
            Defaults to False.

    Returns:
        dict[str, dict[str, float]]: Per config (``pfb``, ``full``), the
        test metrics (per-class scores included) and ``sec_per_iter``;
        ``total`` holds ``seconds``, the whole demo's wall time.
    """
    check_choice('task', task, sorted(DEMO_TASKS))
    spec = DEMO_TASKS[task]
    work_dir = work_dir or osp.join('work_dirs', spec.work_dir)
    data_root = data_root or osp.join('data', spec.data_dir)
    start = time.perf_counter()
    resolve_name(spec.generator)(data_root)
    results = {}
    for name in spec.configs:
        cfg = demo_config(task, name, work_dir, data_root, cfg_options)
        stats = train(cfg, name, verbose)
        metrics = evaluate_last_checkpoint(cfg, name, spec.tta, verbose)
        results[name] = dict(metrics, sec_per_iter=stats['sec_per_iter'])
    results['total'] = dict(seconds=time.perf_counter() - start)
    return results


def format_demo_table(task: str, results: Dict[str, Dict[str,
                                                         float]]) -> List[str]:
    """The demo's result table, one line per score.

    Args:
        task (str): A key of :data:`DEMO_TASKS`.
        results (dict): What :func:`run_demo` returned.

    Returns:
        list[str]: Lines: title, header, the score, the time per
        iteration, each class's score and the time saved.
    """
    spec = DEMO_TASKS[task]
    host = HOST_TASKS[spec.host]
    score = host.score_label + (' (TTA)' if spec.tta else '')
    rows = [(score, host.score_key, '{:.2f}'),
            ('s / iteration', 'sec_per_iter', '{:.3f}')]
    prefix = f'{host.class_prefix}.'
    rows += [(f'{host.class_prefix} {key[len(prefix):]}', key, '{:.2f}')
             for key in results['pfb'] if key.startswith(prefix)]
    lines = [
        f'mmpfb demo: {spec.title}',
        f'{"":<22}{"PFB (50% pruned)":>18}{"full data":>12}'
    ]
    for label, key, fmt in rows:
        pfb, full = (fmt.format(results[n][key]) for n in ('pfb', 'full'))
        lines.append(f'{label:<22}{pfb:>18}{full:>12}')
    pfb, full = (results[n]['sec_per_iter'] for n in ('pfb', 'full'))
    saved = 1 - pfb / full
    minutes = results['total']['seconds'] / 60
    lines.append(f'time per iteration saved by PFB: {saved:.1%}; '
                 f'whole demo: {minutes:.1f} min')
    return lines
