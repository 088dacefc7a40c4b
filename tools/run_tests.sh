#!/usr/bin/env bash
# Run mmpfb's test suite in a project environment, building it first when
# it is missing or out of date (see tools/setup_env.sh).
#
# Usage: bash tools/run_tests.sh [--stack latest|torch2.1] [pytest args]
#   --stack   the tested stack to run on (requirements/stacks/<name>.txt).
#             Defaults to latest (.venv); torch2.1 uses .venv-torch2.1.
set -euo pipefail

cd "$(dirname "$0")/.."
STACK=latest
case "${1:-}" in
    --stack) STACK=${2:?--stack needs a name}; shift 2 ;;
    --stack=*) STACK=${1#--stack=}; shift ;;
esac
bash tools/setup_env.sh --stack "$STACK"
if [ "$STACK" = latest ]; then
    VENV=${MMPFB_VENV:-.venv}
else
    VENV=${MMPFB_VENV:-.venv-$STACK}
fi
exec "$VENV/bin/python" -m pytest tests "$@"
