# Copyright (c) mmpfb contributors. All rights reserved.
import math
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

pytest.importorskip('mmpretrain')

from mmpfb.experiments.datasets.demo_shapes import \
    generate_demo_shapes  # noqa: E402
from mmpfb.experiments.datasets.demo_voc import generate_demo_voc  # noqa: E402
from mmpfb.experiments.selection_report import analyze_selection  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'demo' / \
    'resnet18_pfb-p50_1xb32-10e_demo-shapes-32px.py'
CLASSES = ['cross', 'disc', 'ring', 'square', 'triangle']
SEG_CONFIG = REPO / 'configs' / 'demo' / \
    'deeplabv3_r18-d8_pfb-p50_1xb8-2k_demo-voc-64x64.py'


@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    root = tmp_path_factory.mktemp('shapes')
    generate_demo_shapes(str(root), num_train=20, num_val=5)
    return root


def demo_cfg(root, **pfb):
    cfg = Config.fromfile(str(CONFIG))
    cfg.train_dataloader.dataset.data_root = str(root)
    cfg.model.pfb.update(num_centroids=4, **pfb)
    return cfg


@pytest.mark.parametrize('class_quota', [False, True])
def test_counts_by_class_and_dropped_share(shapes, class_quota):
    report = analyze_selection(
        demo_cfg(shapes, class_quota=class_quota), num_batches=3, batch_size=6)
    assert report.classes == CLASSES
    assert sum(report.seen) == 18
    # p = 0.5 of 6: 3 kept, 3 dropped per batch
    assert sum(report.dropped) == 9
    assert all(0 <= d <= s for d, s in zip(report.dropped, report.seen))
    assert len(report.log_density_sd) == 3
    assert 0 <= report.density_ranked <= 1
    if class_quota:
        # each batch drops its classes' shares; over three batches each
        # class is within one per batch of half its count
        for seen, dropped in zip(report.seen, report.dropped):
            assert abs(dropped - seen / 2) <= 1.5
    lines = report.format()
    assert lines[0].startswith('| class | samples | dropped |')
    assert sum(line.startswith(f'| {c} |') for line in lines
               for c in CLASSES) == 5


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    root = tmp_path_factory.mktemp('voc')
    generate_demo_voc(str(root), num_train=16, num_val=2)
    return root


@pytest.mark.parametrize('seg_label', ['dominant', 'rarest', 'present'])
def test_segmentation_images_count_by_seg_label(voc, seg_label):
    cfg = Config.fromfile(str(SEG_CONFIG))
    cfg.train_dataloader.dataset.data_root = str(voc)
    cfg.model.pfb.update(num_centroids=4)
    report = analyze_selection(
        cfg, num_batches=2, batch_size=6, seg_label=seg_label)
    background = report.classes.index('background')
    # p = 0.5 of 6 per batch: 6 of the 12 images dropped
    if seg_label == 'present':
        # every demo image has background pixels and some object: it
        # counts for background and at least one more class, and every
        # dropped image is a dropped background image
        assert report.seen[background] == 12
        assert report.dropped[background] == 6
        assert sum(report.seen) > 12
    else:
        assert sum(report.seen) == 12
        assert sum(report.dropped) == 6
    if seg_label == 'rarest':
        # an object has fewer pixels than the background around it
        assert report.seen[background] == 0
    assert all(0 <= d <= s for d, s in zip(report.dropped, report.seen))


def test_bad_seg_label_is_named():
    with pytest.raises(ValueError, match="seg_label .* 'all'"):
        analyze_selection(Config.fromfile(str(SEG_CONFIG)), seg_label='all')


def test_log_noise_has_no_density_share(shapes):
    report = analyze_selection(
        demo_cfg(shapes, log_noise=0.5), num_batches=1, batch_size=4)
    assert report.density_ranked is None
    assert not any('ranked by density' in line for line in report.format())


def test_bad_batch_count_is_named(shapes):
    with pytest.raises(ValueError, match='num_batches .* 0'):
        analyze_selection(demo_cfg(shapes), num_batches=0)


def test_tool_prints_the_table(shapes, tmp_path):
    result = subprocess.run([
        sys.executable,
        str(REPO / 'tools' / 'analysis_tools' / 'analyze_selection.py'),
        str(CONFIG), '--batches', '1', '--batch-size', '4', '--cfg-options',
        f'train_dataloader.dataset.data_root={shapes}',
        'model.pfb.num_centroids=4'
    ],
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '| class | samples | dropped | dropped share |' in result.stdout
    assert 'log-density standard deviation' in result.stdout
    assert math.isfinite(
        float(result.stdout.split('median ')[1].split(' nats')[0]))
