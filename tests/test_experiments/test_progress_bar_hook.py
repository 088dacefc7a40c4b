# Copyright (c) mmpfb contributors. All rights reserved.
import io

from mmpfb.experiments.progress_bar_hook import ProgressBarHook
from mmpfb.experiments.quiet_runner import QuietRunner
from .toy_runner import toy_runner_kwargs


def test_bar_counts_training_iterations_and_test_batches(tmp_path):
    out = io.StringIO()
    runner = QuietRunner(**toy_runner_kwargs(str(tmp_path), max_iters=5))
    runner.register_hook(ProgressBarHook('toy', file=out))
    runner.train()
    train = out.getvalue()
    runner.test()
    test = out.getvalue()[len(train):]
    assert train.startswith('train toy: 5 iterations\n')
    assert train.count('\r[') == 5 and '] 5/5,' in train
    assert train.endswith('\n')
    assert test.startswith('test toy: 3 batches\n')
    assert test.count('\r[') == 3 and '] 3/3,' in test
