#!/usr/bin/env bash
# Run mmpfb's test suite in the project environment, building it first
# when it is missing or out of date (see tools/setup_env.sh).
#
# Usage: bash tools/run_tests.sh [pytest arguments]
set -euo pipefail

cd "$(dirname "$0")/.."
bash tools/setup_env.sh
VENV=${MMPFB_VENV:-.venv}
exec "$VENV/bin/python" -m pytest tests "$@"
