# Copyright (c) mmpfb contributors. All rights reserved.
from pathlib import Path

import pytest
from mmengine.runner import Runner

from mmpfb.experiments.quiet_runner import QuietRunner
from .toy_runner import TOY_WARNING, toy_runner_kwargs


@pytest.mark.parametrize('runner_class', [Runner, QuietRunner])
def test_console_is_quiet_and_the_file_complete(tmp_path, capsys, recwarn,
                                                runner_class):
    runner = runner_class(**toy_runner_kwargs(str(tmp_path)))
    runner.train()
    runner.logger.error('an error still shows')
    console = capsys.readouterr()
    log = Path(runner.log_dir, f'{runner.timestamp}.log').read_text()
    # the log file is the same with either class
    assert 'Iter(train) [4/4]' in log and 'System environment' in log
    assert 'an error still shows' in console.out
    if runner_class is Runner:  # the reference: the parent prints it all
        assert 'Iter(train) [4/4]' in console.out
        assert any(TOY_WARNING in str(w.message) for w in recwarn)
    else:
        assert 'Iter(train)' not in console.out and 'INFO' not in console.out
        assert not any(TOY_WARNING in str(w.message) for w in recwarn)
        assert TOY_WARNING in log  # the warning went to the file instead
