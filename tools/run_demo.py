# Copyright (c) mmpfb contributors. All rights reserved.
"""The main job: PFB against full-data training on the embedded demo.

Generates the demo dataset (no download), trains the small model of
``configs/demo/`` with PFB and with every sample, evaluates both and
prints the score per class and overall and the time per training
iteration. ``--task seg`` (the default): DeepLabV3-R18 on the demo VOC
data, evaluated with multi-scale + flip test-time augmentation (mIoU,
per-class IoU; needs MMSegmentation). ``--task cls``: a narrow ResNet-18
on the demo shapes, evaluated plainly (top-1 accuracy, per-class
accuracy; needs MMPretrain).

Usage: python tools/run_demo.py [--task {seg,cls}] [--work-dir DIR]
[--data-root DIR] [--threads N] [--cfg-options KEY=VALUE ...]
"""
import argparse
import os.path as osp
import time
from importlib.util import find_spec
from typing import Dict, NamedTuple, Sequence, Tuple, Union

from mmengine.config import Config, DictAction

Evaluator = Union[dict, list]  # a metric config or a list of them
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


class Task(NamedTuple):
    """What differs between the demos; the running and the table are
    shared."""
    title: str
    host: str  # the OpenMMLab library the task needs
    configs: Dict[str, str]
    data_dir: str  # default data root, below data/
    work_dir: str  # default work dir, below work_dirs/
    score: Tuple[str, str, str]  # label, key and format of the score
    class_key: str  # per-class scores are '<class_key>.<class name>'


TASKS = dict(
    seg=Task(
        title='DeepLabV3-R18 on the embedded demo VOC data',
        host='mmseg',
        configs=dict(
            pfb='configs/demo/'
            'deeplabv3_r18-d8_pfb-p50_1xb8-2k_demo-voc-64x64.py',
            full='configs/demo/deeplabv3_r18-d8_1xb8-2k_demo-voc-64x64.py'),
        data_dir='demo_voc',
        work_dir='demo',
        score=('mIoU (TTA)', 'mIoU', '{:.2f}'),
        class_key='IoU'),
    cls=Task(
        title='ResNet-18 (16 channels) on the generated demo shapes',
        host='mmpretrain',
        configs=dict(
            pfb='configs/demo/resnet18_pfb-p50_1xb32-10e_demo-shapes-32px.py',
            full='configs/demo/resnet18_1xb32-10e_demo-shapes-32px.py'),
        data_dir='demo_shapes',
        work_dir='demo_cls',
        score=('top-1 accuracy', 'accuracy/top1', '{:.2f}'),
        class_key='acc'))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--task',
        choices=sorted(TASKS),
        default='seg',
        help='seg: DeepLabV3 on the demo VOC data (default); cls: '
        'ResNet-18 on the demo shapes')
    parser.add_argument(
        '--work-dir',
        help='where logs and checkpoints go (default: work_dirs/demo for '
        'seg, work_dirs/demo_cls for cls)')
    parser.add_argument(
        '--data-root',
        help='where the demo dataset is generated (default: data/demo_voc '
        'for seg, data/demo_shapes for cls)')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch CPU threads (default 1: the demo\'s small layers run '
        'no faster on two, and far slower when the cores are shared)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override settings of both configs, as tools/train.py does, '
        'e.g. randomness.seed=1')
    args = parser.parse_args()
    task = TASKS[args.task]
    if find_spec(task.host) is None:
        parser.error(f'--task {args.task} needs {task.host}, which is not '
                     'installed')
    if args.work_dir is None:
        args.work_dir = osp.join(REPO, 'work_dirs', task.work_dir)
    if args.data_root is None:
        args.data_root = osp.join(REPO, 'data', task.data_dir)
    return args


def prepare(args: argparse.Namespace) -> Tuple[Sequence[str], Evaluator]:
    """Generate the task's data; return its classes and the evaluator.

    The host library is imported here, so ``--help`` and the other task
    do not need it.
    """
    import mmpfb  # noqa: F401  registers mmpfb's parts in the host scopes
    if args.task == 'seg':
        from mmpfb.datasets import DEMO_CLASSES, generate_demo_voc
        generate_demo_voc(args.data_root)
        register_demo_iou_metric()
        return DEMO_CLASSES, dict(type='DemoIoUMetric', iou_metrics=['mIoU'])
    from mmpfb.datasets.demo_shapes import (DEMO_SHAPES_CLASSES,
                                            generate_demo_shapes)
    generate_demo_shapes(args.data_root)
    # recall per class = accuracy on the images of that class
    return DEMO_SHAPES_CLASSES, [
        dict(type='Accuracy', topk=(1, )),
        dict(type='SingleLabelMetric', items=('recall', ), average=None)
    ]


def register_demo_iou_metric() -> None:
    """Register ``DemoIoUMetric`` with MMSegmentation (once)."""
    from mmseg.evaluation import IoUMetric
    from mmseg.registry import METRICS

    class DemoIoUMetric(IoUMetric):
        """IoUMetric that also returns each class's IoU (``IoU.<class>``)."""

        def compute_metrics(self, results: list) -> Dict[str, float]:
            metrics = super().compute_metrics(results)
            area = [sum(r[i] for r in results) for i in range(4)]
            iou = (area[0] / area[1]).numpy()  # intersect / union
            for name, value in zip(self.dataset_meta['classes'], iou):
                metrics[f'IoU.{name}'] = round(float(value) * 100, 2)
            return metrics

    if METRICS.get('DemoIoUMetric') is None:
        METRICS.register_module(module=DemoIoUMetric)


def load_config(name: str, args: argparse.Namespace,
                evaluator: Evaluator) -> Config:
    cfg = Config.fromfile(osp.join(REPO, TASKS[args.task].configs[name]))
    cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = osp.join(args.work_dir, name)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = args.data_root
    cfg.test_evaluator = evaluator
    cfg.val_evaluator = cfg.test_evaluator
    return cfg


def train(name: str, args: argparse.Namespace, evaluator: Evaluator) -> float:
    """Train one config; return the median seconds per iteration."""
    import numpy as np
    from mmengine.runner import Runner
    runner = Runner.from_cfg(load_config(name, args, evaluator))
    runner.train()
    times = runner.message_hub.get_scalar('train/time').data[0]
    return float(np.median(times))


def test(name: str, args: argparse.Namespace, evaluator: Evaluator,
         classes: Sequence[str]) -> Dict[str, float]:
    """Evaluate the last checkpoint: with multi-scale + flip TTA for
    ``seg``, plainly for ``cls`` (whose per-class recall is returned as
    ``acc.<class>``)."""
    from mmengine.runner import Runner
    cfg = load_config(name, args, evaluator)
    with open(osp.join(cfg.work_dir, 'last_checkpoint')) as f:
        cfg.load_from = f.read().strip()
    if args.task == 'seg':
        cfg.work_dir = osp.join(cfg.work_dir, 'tta')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    else:
        cfg.work_dir = osp.join(cfg.work_dir, 'test')
    metrics = Runner.from_cfg(cfg).test()
    recall = metrics.pop('single-label/recall_classwise', None)
    if recall is not None:
        metrics.update({f'acc.{c}': float(r) for c, r in zip(classes, recall)})
    return metrics


def main() -> None:
    args = parse_args()
    import torch
    torch.set_num_threads(args.threads)
    task = TASKS[args.task]
    start = time.perf_counter()
    classes, evaluator = prepare(args)
    results = {}
    for name in task.configs:
        seconds = train(name, args, evaluator)
        results[name] = dict(
            test(name, args, evaluator, classes), sec_per_iter=seconds)
    total = time.perf_counter() - start

    header = f'{"":<22}{"PFB (50% pruned)":>18}{"full data":>12}'
    rows = [task.score, ('s / iteration', 'sec_per_iter', '{:.3f}')]
    rows += [(f'{task.class_key} {c}', f'{task.class_key}.{c}', '{:.2f}')
             for c in classes]
    lines = ['', f'mmpfb demo: {task.title}', header]
    for label, key, fmt in rows:
        pfb, full = (fmt.format(results[n][key]) for n in ('pfb', 'full'))
        lines.append(f'{label:<22}{pfb:>18}{full:>12}')
    pfb, full = (results[n]['sec_per_iter'] for n in ('pfb', 'full'))
    saved = 1 - pfb / full
    lines.append(f'time per iteration saved by PFB: {saved:.1%}; '
                 f'whole demo: {total / 60:.1f} min')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
