# Copyright (c) mmpfb contributors. All rights reserved.
import json

import pytest

from mmpfb.baselines.infobatch import summarize_infobatch_log


def test_summary_reads_the_last_and_mean_values(tmp_path):
    rows = [
        dict(
            mode='train',
            iter=10,
            time=0.2,
            infobatch_hook_time=0.01,
            infobatch_virtual_iter=10,
            infobatch_saved=0.0),
        dict(mode='val', iter=10, mIoU=0.5),
        dict(
            mode='train',
            iter=20,
            time=0.4,
            infobatch_hook_time=0.03,
            infobatch_virtual_iter=25,
            infobatch_saved=0.2),
    ]
    path = tmp_path / 'scalars.json'
    path.write_text('\n'.join(json.dumps(r) for r in rows))
    summary = summarize_infobatch_log(str(path))
    assert summary == dict(
        iterations=20,
        virtual_iter=25,
        saved=0.2,
        hook_time=pytest.approx(0.02),
        iter_time=pytest.approx(0.3))
    path.write_text(json.dumps(rows[1]))
    with pytest.raises(ValueError, match='no InfoBatch'):
        summarize_infobatch_log(str(path))
