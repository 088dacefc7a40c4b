# Copyright (c) mmpfb contributors. All rights reserved.
import json
import statistics
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook

from mmpfb.experiments.quiet_runner import QuietRunner
from mmpfb.experiments.train_and_test import evaluate_last_checkpoint, train
from .toy_runner import toy_runner_kwargs


class LogSaved(Hook):
    """Logs ``infobatch_saved`` as InfoBatchHook does, one value per
    iteration."""

    def __init__(self, saved):
        self.saved = list(saved)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        runner.message_hub.update_scalar('train/infobatch_saved',
                                         self.saved.pop(0))


@pytest.mark.parametrize(
    'keep_ratios, saved, expected',
    [
        ([0.5, 1.0, 0.25, 0.75], None, 0.625),
        (None, None, 1.0),  # a model without PFB
        (None, [0.0, 0.1, 0.3, 0.25], 0.75),  # InfoBatch: 1 - last saved
    ])
def test_train_measures_time_and_keep_ratio(tmp_path, monkeypatch, keep_ratios,
                                            saved, expected):
    runners = []

    def toy_runner(cfg, label, verbose):
        kwargs = toy_runner_kwargs(cfg.work_dir, 4, keep_ratios)
        if saved is not None:
            kwargs['custom_hooks'] = [LogSaved(saved)]
        runners.append(QuietRunner(**kwargs))
        return runners[-1]

    monkeypatch.setattr('mmpfb.experiments.train_and_test.build_runner',
                        toy_runner)
    stats = train(Config(dict(work_dir=str(tmp_path))))
    # the reference: the iteration times in the json log
    (log, ) = Path(runners[0].log_dir, 'vis_data').glob('2*.json')
    times = [json.loads(line)['time'] for line in log.read_text().splitlines()]
    assert len(times) == 4
    assert stats['train_seconds'] == pytest.approx(sum(times), abs=1e-3)
    assert stats['sec_per_iter'] == pytest.approx(
        statistics.median(times), abs=1e-3)
    assert stats['keep_ratio'] == pytest.approx(expected)


def test_tta_needs_the_config_parts(tmp_path):
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    cfg = Config(dict(default_scope='mmseg', work_dir=str(tmp_path)))
    with pytest.raises(
            ValueError,
            match='tta=True needs tta_model and '
            'tta_pipeline in the config'):
        evaluate_last_checkpoint(cfg, tta=True)
