#!/usr/bin/env bash
# Build a project-local environment with one tested stack, exactly pinned
# by requirements/stacks/<stack>.txt (a pip constraints file), and install
# mmpfb into it (editable, with the seg, cls, tensorboard and tests
# extras).
#
#   latest    torch 2.13.0 + torchvision 0.28.0, numpy 2, mmengine 0.10.7,
#             mmcv 2.1.0, mmsegmentation 1.2.2, mmpretrain 1.2.0 (.venv)
#   torch2.1  torch 2.1.2 + torchvision 0.16.2, numpy 1.26.4, mmengine
#             0.10.3, mmcv 2.1.0, mmsegmentation 1.2.2, mmpretrain 1.2.0
#             (.venv-torch2.1)
#
# torch is PyPI's CUDA build (torchvision exists on PyPI only for it); it
# runs on machines without a GPU too.
#
# mmcv: on a machine with an NVIDIA GPU (nvidia-smi lists one) the script
# takes OpenMMLab's prebuilt CUDA wheel for the stack's torch and CUDA
# where one exists, else builds mmcv from source with FORCE_CUDA=1 when
# nvcc is found; without a GPU (or with MMPFB_DEVICE=cpu) it uses a wheel
# from MMPFB_WHEELS_DIR or the cache, else builds mmcv with CPU ops from
# source (about 35 minutes on 2 cores). It prints which way it took.
#
# Usage: bash tools/setup_env.sh [--stack latest|torch2.1]
#
# Environment:
#   MMPFB_VENV         where the environment goes. Defaults to .venv for
#                      the latest stack, .venv-<stack> for the others.
#   MMPFB_PYTHON       the interpreter that creates it. Defaults to python3.
#   MMPFB_DEVICE       cpu or cuda: which mmcv ops to get. Defaults to
#                      cuda when nvidia-smi lists a GPU, else cpu.
#   MMPFB_WHEELS_DIR   a folder with prebuilt CPU-op mmcv 2.1.0 wheels:
#                      the latest stack's at its top, another stack's in
#                      the subfolder named after it (e.g. torch2.1/).
#                      Built wheels are kept in ~/.cache/mmpfb/wheels
#                      (same layout) for the next run.
# Running it again on a ready environment takes a second.
set -euo pipefail

cd "$(dirname "$0")/.."
STACK=latest
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) STACK=${2:?--stack needs a name}; shift 2 ;;
        --stack=*) STACK=${1#--stack=}; shift ;;
        *) echo "setup_env.sh: unknown argument '$1'" \
                "(usage: bash tools/setup_env.sh [--stack NAME])" >&2
           exit 2 ;;
    esac
done
PINS=requirements/stacks/$STACK.txt
if [ ! -f "$PINS" ]; then
    echo "setup_env.sh: no stack '$STACK' (no $PINS); stacks:" \
         "$(cd requirements/stacks && ls -- *.txt | sed 's/\.txt$//' \
            | tr '\n' ' ')" >&2
    exit 2
fi
if [ "$STACK" = latest ]; then
    VENV=${MMPFB_VENV:-.venv}
    SUBDIR=""
else
    VENV=${MMPFB_VENV:-.venv-$STACK}
    SUBDIR=/$STACK
fi
PYTHON=${MMPFB_PYTHON:-python3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/mmpfb/wheels$SUBDIR
if [ -z "${MMPFB_DEVICE:-}" ]; then
    if nvidia-smi -L >/dev/null 2>&1; then
        MMPFB_DEVICE=cuda
    else
        MMPFB_DEVICE=cpu
    fi
fi
case "$MMPFB_DEVICE" in
    cpu|cuda) ;;
    *) echo "setup_env.sh: MMPFB_DEVICE must be cpu or cuda, got" \
            "'$MMPFB_DEVICE'" >&2
       exit 2 ;;
esac
start=$(date +%s)

STAMP="$VENV/.mmpfb-setup"
# what the environment was built from; unchanged means nothing to do
want=$( (cat setup.py tools/setup_env.sh "$PINS"; echo "$MMPFB_DEVICE") \
    | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    echo "mmpfb environment in $VENV ($STACK stack) is up to date."
    exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
PINNED=("${PIP[@]}" install -q -c "$PINS")
mkdir -p "$CACHE"

mmcv_ready() {
    # mmcv 2.1.0 whose compiled ops load with this torch (and, for cuda,
    # were built with CUDA)
    MMPFB_DEVICE=$MMPFB_DEVICE "$VENV/bin/python" - <<'PY' 2>/dev/null
import os
import mmcv
from mmcv.ops import get_compiler_version, get_compiling_cuda_version
assert mmcv.__version__ == '2.1.0'
get_compiler_version()
if os.environ['MMPFB_DEVICE'] == 'cuda':
    assert get_compiling_cuda_version() != 'not available'
PY
}

# the wheel index of OpenMMLab's prebuilt mmcv for the installed torch
openmmlab_index() {
    "$VENV/bin/python" - <<'PY'
import torch
cuda = (torch.version.cuda or '').replace('.', '')
torch_mm = '.'.join(torch.__version__.split('+')[0].split('.')[:2])
print(f'https://download.openmmlab.com/mmcv/dist/cu{cuda}/'
      f'torch{torch_mm}/index.html' if cuda else '')
PY
}

build_mmcv() {  # build_mmcv FORCE_CUDA
    echo "mmcv: building 2.1.0 from source (FORCE_CUDA=$1; about 35 min" \
         "on 2 cores); the wheel is kept in $CACHE."
    # mmcv 2.1.0's setup.py needs pkg_resources and an old setuptools.
    "${PIP[@]}" install -q "setuptools<70" wheel
    MMCV_WITH_OPS=1 FORCE_CUDA=$1 "${PIP[@]}" wheel -q --no-deps \
        --no-build-isolation --no-binary mmcv -w "$CACHE" mmcv==2.1.0
    "${PINNED[@]}" setuptools  # back to the stack's own
}

install_mmcv_cuda() {
    local index
    index=$(openmmlab_index)
    if [ -n "$index" ] && "${PINNED[@]}" --no-deps --force-reinstall \
            mmcv==2.1.0 -f "$index" --only-binary mmcv 2>/dev/null \
            && mmcv_ready; then
        echo "mmcv: OpenMMLab's prebuilt CUDA wheel from $index"
    elif command -v nvcc >/dev/null; then
        build_mmcv 1
        "${PINNED[@]}" --no-deps --force-reinstall --no-index \
            --find-links "$CACHE" mmcv==2.1.0
        echo "mmcv: built from source with CUDA ops (nvcc $(nvcc \
            --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'))"
    else
        echo "setup_env.sh: a GPU is present but OpenMMLab has no mmcv" \
             "2.1.0 wheel for this torch / CUDA and nvcc is not on PATH;" \
             "install the CUDA toolkit or set MMPFB_DEVICE=cpu" >&2
        exit 1
    fi
}

install_mmcv_cpu() {
    local dirs=("$CACHE") found="" dir
    if [ -n "${MMPFB_WHEELS_DIR:-}" ]; then
        dirs+=("$MMPFB_WHEELS_DIR$SUBDIR")
    fi
    for dir in "${dirs[@]}"; do
        if compgen -G "$dir/mmcv-2.1.0-*.whl" >/dev/null; then
            found=$dir
            break
        fi
    done
    if [ -z "$found" ]; then
        build_mmcv 0
        found=$CACHE
    fi
    "${PINNED[@]}" --no-deps --force-reinstall --no-index \
        --find-links "$found" mmcv==2.1.0
    echo "mmcv: wheel with CPU ops from $found"
}

# torch first: the mmcv build compiles against it
"${PINNED[@]}" torch torchvision numpy setuptools wheel
if ! mmcv_ready; then
    "${PINNED[@]}" mmengine
    "install_mmcv_$MMPFB_DEVICE"
fi
"${PINNED[@]}" -e ".[seg,cls,tensorboard,tests]"
mmcv_ready || { echo "mmcv.ops does not import" >&2; exit 1; }
echo "$want" > "$STAMP"
echo "mmpfb environment ready in $VENV ($STACK stack, $MMPFB_DEVICE mmcv," \
     "$(( $(date +%s) - start )) s)."
