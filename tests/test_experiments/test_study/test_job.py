# Copyright (c) mmpfb contributors. All rights reserved.
import json

from mmpfb.experiments.study import Run
from mmpfb.experiments.study.job import make_job


def test_job_is_json_ready():
    job = make_job(
        Run('set_a', 'pfb', 0.5, 0),
        '/c/pfb.py', {'randomness.seed': 0},
        '/w/set_a/pfb_p0.5_s0',
        '/r/set_a/pfb_p0.5_s0.json',
        tta=True,
        time_ratio=0.7,
        time_match_unit='iter')
    assert json.loads(json.dumps(job)) == job
    assert job['run'] == dict(config='set_a', method='pfb', ratio=0.5, seed=0)
    assert job['data_root'] is None and job['threads'] == 1
    assert job['tta'] and job['time_ratio'] == 0.7
    assert job['time_match_unit'] == 'iter'
