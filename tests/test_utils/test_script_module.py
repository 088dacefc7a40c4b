# Copyright (c) mmpfb contributors. All rights reserved.
from mmpfb.utils import load_script


def test_load_script_runs_the_file_as_a_module(tmp_path):
    script = tmp_path / 'some_tool.py'
    script.write_text('ANSWER = 6 * 7\n\ndef twice(x):\n    return 2 * x\n')
    module = load_script(str(script))
    assert module.__name__ == 'some_tool'
    assert module.ANSWER == 42 and module.twice(4) == 8
