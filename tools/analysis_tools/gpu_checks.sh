#!/usr/bin/env bash
# GPU checks for a machine with one CUDA GPU and no network
# (docs/gpu_checks.md). Installs the kit that tools/prepare_gpu_kit.sh
# gathered, builds mmcv 2.1.0 from its sdist, then runs these parts in
# turn, each under its own timeout and all inside --budget seconds; a part
# that fails or runs out of time is recorded and the next one runs:
#   env          nvidia-smi, Python, nvcc, CPUs
#   install      the kit's wheels into a --target folder, offline
#   mmcv         mmcv 2.1.0 from the sdist. By default without compiled
#                ops (MMCV_WITH_OPS=0): DeepLabV3 and ResNet call none, and
#                a stub mmcv._ext (tools/gpu_kit/mmcv_ext_stub.py) lets
#                MMSegmentation import mmcv.ops. With --ops: CUDA ops for
#                this GPU's architecture only, falling back to the
#                ops-less build when the compile fails or runs out of time
#   imports      the versions of what the checks import
#   collect      the tests to run: pytest -k cuda (names, files and
#                markers holding 'cuda'), and the autocast / amp / fp16
#                ones
#   tests_cuda   the CUDA tests, the short resume check among them
#   tests_amp    the autocast / fp16 gradient tests (CPU and CUDA cases)
#   bench_voc, bench_cityscapes
#                benchmark_pfb.py at 512 x 512 crops, batch 8, fp16 AMP,
#                on the VOC (p = 0.7) and Cityscapes (p = 0.3)
#                DeepLabV3-R50-D8 configs, with peak memory
#   summary      the time saved over p against the paper's 0.81 (VOC)
#                and 0.80 (Cityscapes)
#   compile      whether torch.compile of the deep part recompiles when
#                the kept count varies from one iteration to the next
# Writes $OUT/gpu_report.md (the environment, each part's status and
# seconds, the test summaries and the benchmark tables) and
# $OUT/gpu_logs.tar.gz (every log, the benchmarks' JSON and plots).
#
# Usage: bash tools/analysis_tools/gpu_checks.sh [--kit DIR] [--out DIR]
#            [--budget SECONDS] [--ops | --no-ops] [--only PART,...]
#            [--dry-run]
#   --kit DIR        the kit of tools/prepare_gpu_kit.sh (default .gpu_kit)
#   --out DIR        where the report goes (default $OUT, else
#                    work_dirs/gpu)
#   --budget S       wall-clock seconds for everything (default 540); each
#                    part gets at most what is left
#   --ops            build mmcv's CUDA ops (a guessed 8-15 minutes on 16
#                    cores: give it the budget, e.g. --only
#                    env,install,mmcv,imports); --no-ops is the default
#   --only LIST      run only these parts (install and mmcv come along
#                    when a later part needs them)
#   --dry-run        check the kit and print the plan; run nothing
# Environment: PYTHON (default python3), GPU_CHECKS_WORK (scratch folder,
# default ${TMPDIR:-/tmp}/mmpfb_gpu_checks).
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
KIT=.gpu_kit
OUT=${OUT:-work_dirs/gpu}
BUDGET=540
OPS=0
ONLY=all
DRY=0
ARGS="$*"
usage() { sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --kit) KIT=${2:?--kit needs a folder}; shift 2 ;;
        --out) OUT=${2:?--out needs a folder}; shift 2 ;;
        --budget) BUDGET=${2:?--budget needs seconds}; shift 2 ;;
        --ops) OPS=1; shift ;;
        --no-ops) OPS=0; shift ;;
        --only) ONLY=${2:?--only needs parts}; shift 2 ;;
        --dry-run) DRY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "gpu_checks.sh: unknown argument '$1'" >&2; usage >&2
           exit 2 ;;
    esac
done
case "$BUDGET" in
    ''|*[!0-9]*) echo "gpu_checks.sh: --budget must be whole seconds," \
                      "got '$BUDGET'" >&2; exit 2 ;;
esac
PARTS=(env install mmcv imports collect tests_cuda tests_amp bench_voc
       bench_cityscapes summary compile)
# each part's own timeout in seconds; none gets more than the budget left
declare -A LIMIT=([env]=30 [install]=60 [mmcv]=120 [imports]=60
                  [collect]=90 [tests_cuda]=150 [tests_amp]=120
                  [bench_voc]=150 [bench_cityscapes]=150 [summary]=20
                  [compile]=120)
[ "$OPS" = 1 ] && LIMIT[mmcv]=590  # the budget decides
RESERVE=15  # seconds kept back for the report
if [ "$ONLY" != all ]; then
    for part in ${ONLY//,/ }; do
        [ -n "${LIMIT[$part]:-}" ] || {
            echo "gpu_checks.sh: no part '$part' (parts: ${PARTS[*]})" >&2
            exit 2; }
    done
    # the parts after mmcv import what install and mmcv put in place
    for part in ${ONLY//,/ }; do
        case "$part" in
            env|install) ;;
            mmcv) ONLY="install,$ONLY" ;;
            *) ONLY="install,mmcv,$ONLY" ;;
        esac
    done
    case ",$ONLY," in
        *,tests_cuda,*|*,tests_amp,*) ONLY="collect,$ONLY" ;;
    esac
fi
wanted() { [ "$ONLY" = all ] || case ",$ONLY," in *",$1,"*) true ;;
                                    *) false ;; esac; }

PY=${PYTHON:-python3}
WORK=${GPU_CHECKS_WORK:-${TMPDIR:-/tmp}/mmpfb_gpu_checks}
SITE=$WORK/site
BUILD_SITE=$WORK/build_site
LOGS=$WORK/logs
case "$KIT" in /*) ;; *) KIT=$REPO/$KIT ;; esac
case "$OUT" in /*) ;; *) OUT=$REPO/$OUT ;; esac
export REPO KIT OUT PY WORK SITE BUILD_SITE LOGS OPS

# The kit: manifest.tsv rows (name version role file sha256 required_by).
WHEELS=() BUILD_WHEELS=() SDISTS=()
check_kit() {
    local manifest=$KIT/manifest.tsv name version role file sum by bad=0
    if [ ! -f "$manifest" ]; then
        echo "no kit: $manifest is missing; run" \
             "'bash tools/prepare_gpu_kit.sh' where there is network"
        return 1
    fi
    while IFS=$'\t' read -r name version role file sum by; do
        case "$name" in '#'*|'') continue ;; esac
        if [ ! -f "$KIT/$file" ]; then
            echo "kit: $file is missing"; bad=1; continue
        fi
        if [ "$(sha256sum "$KIT/$file" | cut -d' ' -f1)" != "$sum" ]; then
            echo "kit: $file does not match its sha256"; bad=1; continue
        fi
        case "$role" in
            wheel) WHEELS+=("$KIT/$file") ;;
            build) BUILD_WHEELS+=("$KIT/$file") ;;
            sdist) SDISTS+=("$KIT/$file") ;;
            *) echo "kit: $file has an unknown role '$role'"; bad=1 ;;
        esac
    done < "$manifest"
    if [ ${#SDISTS[@]} -ne 1 ]; then
        echo "kit: expected one sdist (mmcv), found ${#SDISTS[@]}"; bad=1
    fi
    return $bad
}

if [ "$DRY" = 1 ]; then
    echo "GPU checks plan (dry run: nothing runs)"
    echo "repo $REPO; kit $KIT; out $OUT; work $WORK; python $PY"
    echo "budget ${BUDGET}s; mmcv ops: $([ "$OPS" = 1 ] && echo "CUDA" \
        "ops for this GPU's arch, ops-less on failure" || echo none)"
    kit_ok=0
    check_kit || kit_ok=1
    for f in "${WHEELS[@]}"; do echo "install wheel  $(basename "$f")"; done
    for f in "${BUILD_WHEELS[@]}"; do
        echo "build wheel    $(basename "$f")"; done
    for f in "${SDISTS[@]}"; do echo "build sdist    $(basename "$f")"; done
    for part in "${PARTS[@]}"; do
        if wanted "$part"; then
            echo "part $part: timeout ${LIMIT[$part]}s"
        else
            echo "part $part: skipped (--only)"
        fi
    done
    [ $kit_ok = 0 ] && echo "kit complete" || echo "kit incomplete"
    exit $kit_ok
fi

rm -rf "$WORK"
mkdir -p "$WORK/bench" "$LOGS" "$OUT"
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
# the GPU machine's torch and numpy may be newer than the tested stacks:
# mmpfb warns instead of refusing them, and the report names the versions
export MMPFB_ALLOW_UNTESTED_VERSIONS=1
START=$(date +%s)
DEADLINE=$((START + BUDGET))
RECORD=$WORK/parts.tsv
: > "$RECORD"

# run_part NAME FUNCTION [ARGS...]: FUNCTION under the part's timeout (cut
# to the budget left), its output in $LOGS/NAME.log; records the status
# and seconds. A part's last line starting 'note:' goes into the record.
run_part() {
    local name=$1 limit=${LIMIT[$1]} left rc t0 t1 status note
    shift
    if ! wanted "$name"; then return 0; fi
    left=$((DEADLINE - $(date +%s) - RESERVE))
    if [ $left -lt 15 ]; then
        printf '%s\tskipped\t0\t%s\tthe budget is spent\n' "$name" \
            "$limit" >> "$RECORD"
        echo "== $name: skipped, the budget is spent"
        return 1
    fi
    [ "$limit" -gt $left ] && limit=$left
    echo "== $name (timeout ${limit}s) $(date -u +%H:%M:%S)"
    t0=$(date +%s%N)
    PART_LIMIT=$limit timeout -k 10 "$limit" \
        bash -c 'set -o pipefail; fn=$1; shift; "$fn" "$@"' _ "$@" \
        > "$LOGS/$name.log" 2>&1
    rc=$?
    t1=$(date +%s%N)
    case $rc in
        0) status=ok ;;
        124|137) status=timeout ;;
        *) status="failed (exit $rc)" ;;
    esac
    note=$(grep '^note:' "$LOGS/$name.log" | tail -n 1 | cut -c7-)
    t1=$(((t1 - t0) / 100000000))  # tenths of a second
    printf '%s\t%s\t%d.%d\t%s\t%s\n' "$name" "$status" $((t1 / 10)) \
        $((t1 % 10)) "$limit" "$note" >> "$RECORD"
    echo "   $status: $(tail -n 1 "$LOGS/$name.log" | cut -c1-150)"
    return $rc
}

# the repository first: the kit's mmseg and model-index wheels bring a
# top-level tests package of their own
py_env() { PYTHONPATH="$REPO:$SITE${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$@"; }
pip_target() {  # pip_target DIR WHEEL...: offline, no dependencies
    local dir=$1; shift
    "$PY" -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --disable-pip-version-check --upgrade \
        --target "$dir" "$@"
}
export -f py_env pip_target

part_env() {
    nvidia-smi
    nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap \
        --format=csv
    echo "python: $(command -v "$PY") ($("$PY" --version 2>&1))"
    nvcc --version | tail -n 2
    echo "cpus: $(nproc); memory: $(free -g | awk '/Mem/ {print $2}') GiB"
    echo "kernel: $(uname -r)"
    echo "note: $(nvidia-smi --query-gpu=name --format=csv,noheader)"
}

part_install() {
    set -e
    rm -rf "$SITE" "$BUILD_SITE"
    pip_target "$SITE" "$@"
    echo "installed $# wheels into $SITE"
    pip_target "$BUILD_SITE" $BUILD_WHEELS_LIST
    echo "build tools into $BUILD_SITE: $BUILD_WHEELS_LIST"
    if py_env -c 'import pkg_resources' 2>/dev/null; then
        echo "the image's setuptools has pkg_resources"
    else
        echo "the image's setuptools lacks pkg_resources: the kit's too"
        pip_target "$SITE" $BUILD_WHEELS_LIST
    fi
    kit_py=$(sed -n '1s/.*CPython \([0-9.]*\),.*/\1/p' "$KIT/manifest.tsv")
    here_py=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    [ "$kit_py" = "$here_py" ] || echo "warning: the kit is for Python" \
        "$kit_py, this is $here_py"
    # what the kit's packages declare and this environment lacks
    py_env -m pip check 2>&1 | grep -iE "$(grep -v '^#' \
        "$KIT/manifest.tsv" | cut -f1 | paste -sd'|')" || true
    echo "note: $# wheels, Python $here_py"
}

mmcv_ops_work() {  # a CUDA op of mmcv runs on this GPU
    py_env - <<'PY'
import torch
from mmcv.ops import nms
boxes = torch.rand(8, 4, device='cuda')
boxes[:, 2:] += boxes[:, :2]
nms(boxes, torch.rand(8, device='cuda'), 0.5)
print('mmcv.ops.nms ran on', torch.cuda.get_device_name())
PY
}
export -f mmcv_ops_work

part_mmcv() {
    set -e
    local sdist=$1 src prebuilt arch='' t0 wheel
    rm -rf "$WORK/src" "$WORK/wheels"
    mkdir -p "$WORK/src" "$WORK/wheels"
    prebuilt=$(ls "$KIT"/built/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 \
        || true)
    if [ -n "$prebuilt" ] && pip_target "$SITE" "$prebuilt" \
            && mmcv_ops_work; then
        echo "note: the kit's prebuilt $(basename "$prebuilt") (CUDA ops)"
        return 0
    elif [ -n "$prebuilt" ]; then
        echo "the kit's $(basename "$prebuilt") does not run here; building"
        rm -rf "$SITE"/mmcv "$SITE"/mmcv-*.dist-info
    fi
    tar xzf "$sdist" -C "$WORK/src"
    src=$(echo "$WORK"/src/mmcv-*)
    # the GPU's own architecture only (TORCH_CUDA_ARCH_LIST may name it)
    [ "$OPS" = 1 ] && arch=${TORCH_CUDA_ARCH_LIST:-$(py_env -c 'import torch
print("%d.%d" % torch.cuda.get_device_capability())' || true)}
    if [ "$OPS" = 1 ] && [ $((PART_LIMIT - 90)) -lt 60 ]; then
        echo "mmcv: $PART_LIMIT s left, too little for the CUDA ops build"
    elif [ "$OPS" = 1 ] && [ -z "$arch" ]; then
        echo "mmcv: no CUDA device found for the CUDA ops build"
    elif [ "$OPS" = 1 ]; then
        echo "mmcv: CUDA ops for TORCH_CUDA_ARCH_LIST=$arch on $(nproc)" \
             "cores, at most $((PART_LIMIT - 90)) s"
        t0=$(date +%s)
        if env PYTHONPATH="$BUILD_SITE:$SITE" MMCV_WITH_OPS=1 FORCE_CUDA=1 \
                TORCH_CUDA_ARCH_LIST="$arch" MAX_JOBS="$(nproc)" \
                timeout -k 10 $((PART_LIMIT - 90)) "$PY" -m pip wheel -v \
                --no-deps --no-build-isolation --no-index --no-cache-dir \
                -w "$WORK/wheels" "$src" > "$LOGS/mmcv_ops_build.log" 2>&1 \
                && pip_target "$SITE" "$WORK"/wheels/mmcv-2.1.0-*.whl \
                && mmcv_ops_work; then
            wheel=$(ls "$WORK"/wheels/mmcv-2.1.0-*.whl)
            echo "built $(basename "$wheel"), $(du -m "$wheel" | cut -f1)" \
                 "MiB, in $(($(date +%s) - t0)) s"
            # back with the rest of $OUT when small enough
            [ "$(stat -c %s "$wheel")" -le $((16 * 1024 * 1024)) ] \
                && cp "$wheel" "$OUT/"
            echo "note: CUDA ops for sm_${arch/./}, built in" \
                 "$(($(date +%s) - t0)) s"
            return 0
        fi
        echo "mmcv: the CUDA ops build failed or ran out of time after" \
             "$(($(date +%s) - t0)) s; the end of its log:"
        tail -n 40 "$LOGS/mmcv_ops_build.log"
        rm -rf "$SITE"/mmcv "$SITE"/mmcv-*.dist-info "$WORK/src"/*
        tar xzf "$sdist" -C "$WORK/src"
    fi
    echo "mmcv: building without compiled ops (MMCV_WITH_OPS=0)"
    env PYTHONPATH="$BUILD_SITE:$SITE" MMCV_WITH_OPS=0 "$PY" -m pip wheel \
        -v --no-deps --no-build-isolation --no-index --no-cache-dir \
        -w "$WORK/wheels" "$src" > "$LOGS/mmcv_lite_build.log" 2>&1
    pip_target "$SITE" "$WORK"/wheels/mmcv_lite-2.1.0-*.whl
    cp "$REPO/tools/gpu_kit/mmcv_ext_stub.py" "$SITE/mmcv/_ext.py"
    echo "note: without compiled ops$([ "$OPS" = 1 ] && echo \
        ' (no CUDA ops build, see the log)'); a stub mmcv._ext"
}

part_imports() {
    py_env - <<'PY' | tee "$WORK/versions.md"
import importlib
import os
import sys

import torch

print('| what | version |')
print('|---|---|')
print(f'| Python | {sys.version.split()[0]} ({sys.executable}) |')
print(f'| torch | {torch.__version__}, CUDA {torch.version.cuda}, '
      f'cuDNN {torch.backends.cudnn.version()} |')
print(f'| GPU | {torch.cuda.get_device_name()}, sm_'
      f'{"".join(map(str, torch.cuda.get_device_capability()))} |')
for name in ('torchvision', 'numpy', 'cv2', 'mmengine', 'mmcv', 'mmseg',
             'mmpretrain', 'mmpfb', 'setuptools', 'pytest', 'triton'):
    try:
        module = importlib.import_module(name)
        where = os.path.dirname(module.__file__)
        kit = ' (kit)' if where.startswith(os.environ['SITE']) else ''
        print(f'| {name} | {getattr(module, "__version__", "?")}{kit} |')
    except Exception as e:  # record, go on
        print(f'| {name} | not importable: {type(e).__name__}: {e} |')
import mmcv.ops  # noqa: E402, F401  (MMSegmentation needs it to load)
import mmpretrain.models  # noqa: E402, F401
import mmseg.models  # noqa: E402, F401
PY
    echo "note: mmcv, mmseg.models, mmpretrain.models import"
}

# -k matches substrings ('amp' in 'sample'): the node ids are filtered
# again, to 'amp' as a word; cases parametrised on the CPU ('[cpu-...')
# are left to the CPU machines that run the whole suite
AMP_RE='autocast|(^|[^a-z])amp([^a-z]|$)|float16|fp16'
CPU_CASE_RE='[[-]cpu[]-]'
export AMP_RE CPU_CASE_RE
part_collect() {
    local rc_cuda rc_amp
    cd "$REPO"
    # the two collections side by side: each imports the whole suite
    py_env -m pytest --collect-only -q -p no:cacheprovider \
        --continue-on-collection-errors -k cuda tests \
        > "$WORK/collect_cuda.txt" 2>&1 &
    py_env -m pytest --collect-only -q -p no:cacheprovider \
        --continue-on-collection-errors \
        -k 'autocast or amp or float16 or fp16' tests \
        > "$WORK/collect_amp.txt" 2>&1
    rc_amp=$?
    wait $!
    rc_cuda=$?
    grep '::' "$WORK/collect_amp.txt" | grep -v '^ERROR' \
        | grep -Ei "$AMP_RE" | grep -Ev "$CPU_CASE_RE" | sort -u \
        > "$WORK/ids_amp"
    grep '::' "$WORK/collect_cuda.txt" | grep -v '^ERROR' | sort -u \
        | comm -23 - "$WORK/ids_amp" > "$WORK/ids_cuda"
    grep -h '^ERROR' "$WORK/collect_cuda.txt" "$WORK/collect_amp.txt" \
        | sort -u || true
    echo "pytest exits: -k cuda $rc_cuda, -k autocast/amp $rc_amp (5: none)"
    echo "note: $(wc -l < "$WORK/ids_cuda") cuda, $(wc -l \
        < "$WORK/ids_amp") autocast/amp tests selected"
    # 0: collected, 5: none matched; else a collection error
    [ $rc_cuda -eq 0 ] || [ $rc_cuda -eq 5 ] || return 1
    [ $rc_amp -eq 0 ] || [ $rc_amp -eq 5 ] || return 1
}

part_tests() {  # part_tests IDS_NAME
    local ids flags=()
    cd "$REPO"
    if [ ! -f "$WORK/ids_$1" ]; then
        echo "note: no selection: the collect part did not finish"
        return 1
    fi
    mapfile -t ids < "$WORK/ids_$1"
    if [ ${#ids[@]} -eq 0 ]; then
        echo "note: no tests selected"
        return 0
    fi
    if py_env -c 'import pytest_timeout' 2>/dev/null; then
        flags+=(--timeout=90)  # one hung test fails alone
    fi
    py_env -m pytest -q -rfEs -p no:cacheprovider "${flags[@]}" \
        --junitxml="$LOGS/$1.xml" "${ids[@]}"
}

part_bench() {  # part_bench NAME CONFIG RATIO
    cd "$REPO"
    mkdir -p "$WORK/bench/$1"
    py_env tools/analysis_tools/benchmark_pfb.py "configs/pfb/$2" \
        --device cuda --amp --crop 512 512 --batch-size 8 --ratios "$3" \
        --warmup 3 --repeat 10 --out-dir "$WORK/bench/$1" \
        > "$WORK/bench/$1.md"
    local rc=$?
    cat "$WORK/bench/$1.md"
    return $rc
}

part_summary() {
    cd "$REPO"
    py_env tools/gpu_kit/saving_over_p.py "$WORK/bench" \
        | tee "$WORK/saving_over_p.md"
}

part_compile() {
    cd "$REPO"
    py_env tools/gpu_kit/compile_check.py
}
export -f part_env part_install part_mmcv part_imports part_collect \
    part_tests part_bench part_summary part_compile

# the report: what ran, how long, and what it found
fence() {  # fence FILE [LINES]: the file (or its last LINES) as a block
    echo '```text'
    if [ -n "${2:-}" ]; then tail -n "$2" "$1"; else cat "$1"; fi
    echo '```'
}
write_report() {
    local report=$OUT/gpu_report.md name status secs limit note log
    {
        echo "# GPU checks"
        echo
        echo "$(date -u '+%Y-%m-%d %H:%M UTC'); \`bash" \
             "tools/analysis_tools/gpu_checks.sh $ARGS\`; budget" \
             "${BUDGET} s, used $(($(date +%s) - START)) s."
        echo
        echo "## Environment"
        echo
        [ -f "$LOGS/env.log" ] && fence "$LOGS/env.log"
        echo
        [ -f "$WORK/versions.md" ] && cat "$WORK/versions.md" && echo
        echo "Kit: $(sed -n '1s/^# //p' "$KIT/manifest.tsv" 2>/dev/null)" \
             "($(grep -vc '^#' "$KIT/manifest.tsv" 2>/dev/null) files)."
        echo
        echo "## Parts"
        echo
        echo "| part | status | seconds | timeout | note |"
        echo "|---|---|---|---|---|"
        while IFS=$'\t' read -r name status secs limit note; do
            echo "| $name | $status | $secs | $limit | $note |"
        done < "$RECORD"
        echo
        for name in tests_cuda tests_amp; do
            [ -f "$LOGS/$name.log" ] || continue
            echo "## Tests: $name ($(cat "$WORK/ids_${name#tests_}" \
                2>/dev/null | wc -l) selected)"
            echo
            fence "$LOGS/$name.log" 25
            echo
        done
        echo "## Benchmarks (512 x 512, batch 8, fp16 AMP)"
        echo
        for name in bench_voc bench_cityscapes; do
            log=$WORK/bench/${name#bench_}_p$([ $name = bench_voc ] \
                && echo 70 || echo 30).md
            [ -s "$log" ] || continue
            echo "### ${name#bench_}"
            echo
            cat "$log"
            echo
        done
        if [ -f "$WORK/saving_over_p.md" ]; then
            echo "### Time saved over p against the paper"
            echo
            cat "$WORK/saving_over_p.md"
            echo
        fi
        if [ -f "$LOGS/compile.log" ]; then
            echo "## torch.compile of the deep part"
            echo
            fence "$LOGS/compile.log" 12
            echo
        fi
        while IFS=$'\t' read -r name status secs limit note; do
            case "$status" in ok|skipped) continue ;; esac
            echo "## $name: $status, the end of its log"
            echo
            fence "$LOGS/$name.log" 40
            echo
        done < "$RECORD"
    } > "$report"
    cp "$KIT/manifest.tsv" "$LOGS/" 2>/dev/null
    tar czf "$OUT/gpu_logs.tar.gz" -C "$WORK" logs bench \
        $(cd "$WORK" && ls collect_*.txt ids_* parts.tsv 2>/dev/null)
    echo "wrote $report and $OUT/gpu_logs.tar.gz"
}
trap 'echo "interrupted"; write_report; exit 130' INT TERM

echo "GPU checks: budget ${BUDGET}s, kit $KIT, report in $OUT"
if ! check_kit > "$LOGS/kit.log"; then
    cat "$LOGS/kit.log"
    printf 'kit\tfailed\t0\t0\t%s\n' "$(tail -n 1 "$LOGS/kit.log")" \
        >> "$RECORD"
fi
export BUILD_WHEELS_LIST="${BUILD_WHEELS[*]}"
run_part env part_env
ready=1
run_part install part_install "${WHEELS[@]}" || ready=0
if [ $ready = 1 ] || ! wanted install; then
    run_part mmcv part_mmcv "${SDISTS[0]:-no-sdist}" || ready=0
fi
if [ $ready = 1 ]; then
    run_part imports part_imports
    run_part collect part_collect
    run_part tests_cuda part_tests cuda
    run_part tests_amp part_tests amp
    run_part bench_voc part_bench voc_p70 \
        deeplabv3_r50-d8_pfb-p70_4xb4-36k_voc12aug-512x512.py 0.7
    run_part bench_cityscapes part_bench cityscapes_p30 \
        deeplabv3_r50-d8_pfb-p30_4xb2-36k_cityscapes-512x1024.py 0.3
    run_part summary part_summary
    run_part compile part_compile
else
    echo "install or mmcv failed: the checks that import them are skipped"
    for part in imports collect tests_cuda tests_amp bench_voc \
            bench_cityscapes summary compile; do
        wanted "$part" && printf '%s\tskipped\t0\t%s\t%s\n' "$part" \
            "${LIMIT[$part]}" "install or mmcv failed" >> "$RECORD"
    done
fi
write_report
