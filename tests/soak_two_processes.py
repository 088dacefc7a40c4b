# Copyright (c) mmpfb contributors. All rights reserved.
"""Launch the suite's two-process tests over and over, and count.

The tests marked ``two_processes`` start two gloo processes (spawned, or
``tools/train.py`` under ``torchrun``). A teardown that aborts or hangs
shows up only now and then, so this script runs them all ``--rounds``
times, each round one pytest process, optionally while another command
(``--beside``, e.g. the rest of the suite) runs alongside, and appends
every test's outcome to a JSON-lines ledger. Runs add up: start it again
with the same ``--ledger`` to go on (pieces under an hour each).

.. code:: text

    python tests/soak_two_processes.py --rounds 20 \\
        --ledger docs/evidence/soak_two_processes_<stack>.jsonl \\
        [--beside "python -m pytest -q tests/test_models"] [--summary]

The summary counts launches and failures per test and stack. A round
whose pytest does not end within ``--timeout`` seconds counts as a hang
for the tests it had not finished.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[1]


def stack_name() -> str:
    """The torch version this interpreter runs."""
    import torch
    return f'torch {torch.__version__}'


def two_process_tests() -> List[str]:
    """The node ids of the tests marked ``two_processes``."""
    out = subprocess.run([
        sys.executable, '-m', 'pytest', '--collect-only', '-q', '-m',
        'two_processes', 'tests'
    ],
                         cwd=REPO,
                         capture_output=True,
                         text=True,
                         check=True).stdout
    return [line for line in out.splitlines() if '::' in line]


def outcomes(junit: Path, tests: List[str]) -> Dict[str, str]:
    """``passed``, ``failed`` or ``skipped`` per test of a JUnit file;
    ``hang`` for a test the file lacks."""
    found = {}
    if junit.exists():
        for case in ET.parse(junit).iter('testcase'):
            module = case.get('classname', '').replace('.', '/')
            node = f'{module}.py::{case.get("name")}'
            if case.find('failure') is not None or \
                    case.find('error') is not None:
                found[node] = 'failed'
            elif case.find('skipped') is not None:
                found[node] = 'skipped'
            else:
                found[node] = 'passed'
    return {test: found.get(test, 'hang') for test in tests}


def run_round(tests: List[str], timeout: float, beside: str) -> dict:
    """One pytest process over ``tests``; ``beside`` runs alongside."""
    companion = None
    if beside:
        companion = subprocess.Popen(
            shlex.split(beside),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / 'junit.xml'
        start = time.time()
        try:
            subprocess.run([
                sys.executable, '-m', 'pytest', '-q', f'--junitxml={junit}',
                *tests
            ],
                           cwd=REPO,
                           env=dict(os.environ, PYTHONFAULTHANDLER='1'),
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL,
                           timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        result = outcomes(junit, tests)
    if companion is not None:
        companion.kill()
        companion.wait()
    return dict(
        stack=stack_name(),
        date=time.strftime('%Y-%m-%d'),
        seconds=round(time.time() - start, 1),
        beside=beside or None,
        outcomes=result)


def summary(ledger: Path) -> str:
    """A markdown table: launches, failures and hangs per test and
    stack."""
    counts: Dict[tuple, Counter] = {}
    for line in ledger.read_text().splitlines():
        record = json.loads(line)
        for test, outcome in record['outcomes'].items():
            key = (record['stack'], test)
            counts.setdefault(key, Counter())[outcome] += 1
            if record['beside']:
                counts[key]['beside'] += 1
    rows = [
        '| stack | test | launches | of them beside another suite | '
        'failed | hung |', '|---|---|---|---|---|---|'
    ]
    for (stack, test), c in sorted(counts.items()):
        launches = c['passed'] + c['failed'] + c['hang']
        rows.append(f'| {stack} | `{test}` | {launches} | {c["beside"]} | '
                    f'{c["failed"]} | {c["hang"]} |')
    return '\n'.join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--ledger', type=Path, required=True)
    parser.add_argument('--timeout', type=float, default=1200)
    parser.add_argument('--beside', default='')
    parser.add_argument('--summary', action='store_true')
    args = parser.parse_args()
    if not args.summary:
        tests = two_process_tests()
        args.ledger.parent.mkdir(parents=True, exist_ok=True)
        for index in range(args.rounds):
            record = run_round(tests, args.timeout, args.beside)
            with args.ledger.open('a') as f:
                f.write(json.dumps(record) + '\n')
            bad = {
                t: o
                for t, o in record['outcomes'].items()
                if o not in ('passed', 'skipped')
            }
            print(
                f'round {index + 1}/{args.rounds}: {record["seconds"]} s, '
                f'{len(tests) - len(bad)} of {len(tests)} fine' +
                (f'; {bad}' if bad else ''),
                flush=True)
    print(summary(args.ledger))


if __name__ == '__main__':
    main()
