#!/usr/bin/env bash
# Run mmpfb's test suite in a project environment, building it first when
# it is missing or out of date (see tools/setup_env.sh).
#
# Usage: bash tools/run_tests.sh [--stack latest|torch2.1|all] [pytest args]
#   --stack   the tested stack to run on (requirements/stacks/<name>.txt).
#             Defaults to latest (.venv); torch2.1 uses .venv-torch2.1;
#             all runs the suite on every stack in turn, latest first,
#             and stops at the first that fails.
set -euo pipefail

cd "$(dirname "$0")/.."
STACK=latest
case "${1:-}" in
    --stack) STACK=${2:?--stack needs a name}; shift 2 ;;
    --stack=*) STACK=${1#--stack=}; shift ;;
esac
if [ "$STACK" = all ]; then
    others=$(cd requirements/stacks && ls -- *.txt | sed 's/\.txt$//' \
             | grep -vx latest)
    for name in latest $others; do
        echo "run_tests.sh: the $name stack"
        bash "$0" --stack "$name" "$@"
    done
    exit 0
fi
bash tools/setup_env.sh --stack "$STACK"
if [ "$STACK" = latest ]; then
    VENV=${MMPFB_VENV:-.venv}
else
    VENV=${MMPFB_VENV:-.venv-$STACK}
fi
exec "$VENV/bin/python" -m pytest tests "$@"
