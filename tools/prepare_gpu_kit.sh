#!/usr/bin/env bash
# Prepare the GPU check kit on a machine with network: the wheels (and
# mmcv's sdist) that tools/analysis_tools/gpu_checks.sh installs on a GPU
# machine without network, for its Python (default 3.12), manylinux
# x86-64. Prints each file's size and the kit's (docs/gpu_checks.md).
#
# Usage: bash tools/prepare_gpu_kit.sh [--python 3.12] [--out .gpu_kit]
#            [--max-mib 40]
# Environment: PYTHON, the interpreter whose pip downloads (defaults to
# .venv/bin/python, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python
    else PYTHON=python3; fi
fi
exec "$PYTHON" tools/gpu_kit/prepare_kit.py "$@"
