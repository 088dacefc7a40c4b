#!/usr/bin/env bash
# Build mmpfb's project-local environment (.venv) with the exact stack:
# torch 2.13.0 with torchvision 0.28.0, mmengine 0.10.7, mmcv 2.1.0 with
# its compiled ops, mmsegmentation 1.2.2, mmpretrain 1.2.0, tensorboard,
# pytest and mmpfb itself (editable).
#
# torchvision (which mmpretrain imports) exists on PyPI only as a build for
# torch's CUDA build, so torch is the CUDA build too ('===' is an exact
# match, so no local +cpu wheel is taken): about 5 GB, a few minutes to
# download once; it runs on machines without a GPU.
#
# Usage: bash tools/setup_env.sh
#
# Environment:
#   MMPFB_VENV         where the environment goes. Defaults to .venv.
#   MMPFB_PYTHON       the interpreter that creates it. Defaults to python3.
#   MMPFB_WHEELS_DIR   a folder holding a prebuilt mmcv-2.1.0 wheel for this
#                      torch; without it mmcv is built from source once
#                      (about 35 minutes on 2 cores) and kept in
#                      ~/.cache/mmpfb/wheels for the next run.
# Running it again on a ready environment takes seconds.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${MMPFB_VENV:-.venv}
PYTHON=${MMPFB_PYTHON:-python3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/mmpfb/wheels
TORCH=("torch===2.13.0" "torchvision==0.28.0")
RUNTIME_PINS=("setuptools>=77.0.3,<82" "numpy>=2,<2.4")
start=$(date +%s)

STAMP="$VENV/.mmpfb-setup"
# what the environment was built from; unchanged means nothing to do
want=$(cat setup.py tools/setup_env.sh | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    echo "mmpfb environment in $VENV is up to date."
    exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
mkdir -p "$CACHE"

mmcv_ready() {
    "$VENV/bin/python" - <<'PY' 2>/dev/null
import mmcv, mmcv.ops  # noqa: F401
assert mmcv.__version__ == '2.1.0'
PY
}

"${PIP[@]}" install -q "${TORCH[@]}" "${RUNTIME_PINS[@]}" wheel

if ! mmcv_ready; then
    wheel_dirs=("$CACHE")
    if [ -n "${MMPFB_WHEELS_DIR:-}" ]; then
        wheel_dirs+=("$MMPFB_WHEELS_DIR")
    fi
    found=""
    for dir in "${wheel_dirs[@]}"; do
        if compgen -G "$dir/mmcv-2.1.0-*.whl" >/dev/null; then
            found=$dir
            break
        fi
    done
    if [ -z "$found" ]; then
        echo "Building mmcv 2.1.0 with CPU ops from source (about 35 min" \
             "on 2 cores); the wheel is kept in $CACHE."
        # mmcv 2.1.0's setup.py needs pkg_resources and an old setuptools.
        "${PIP[@]}" install -q "setuptools<70" wheel
        MMCV_WITH_OPS=1 FORCE_CUDA=0 "${PIP[@]}" wheel -q --no-deps \
            --no-build-isolation --no-binary mmcv -w "$CACHE" mmcv==2.1.0
        found=$CACHE
    fi
    "${PIP[@]}" install -q --find-links "$found" "${RUNTIME_PINS[@]}" \
        mmcv==2.1.0 "${TORCH[@]}"
fi

"${PIP[@]}" install -q -e ".[seg,cls,tensorboard,tests]" "${TORCH[@]}" "${RUNTIME_PINS[@]}"
mmcv_ready || { echo "mmcv.ops does not import" >&2; exit 1; }
echo "$want" > "$STAMP"
echo "mmpfb environment ready in $VENV ($(( $(date +%s) - start )) s)."
