#!/usr/bin/env bash
# GPU checks for a machine with one CUDA GPU (about
# 8 minutes on one H100). Writes everything under ${OUT:-work_dirs/gpu}.
#   1. benchmark_pfb.py at 512x512 crops, batch 8, fp16 AMP on the VOC
#      (p = 0.7) and Cityscapes (p = 0.3) DeepLabV3-R50-D8 configs, with
#      peak memory (max_memory_allocated); the time saved over p is to be
#      compared with the paper's 0.81 (VOC) and 0.80 (Cityscapes).
#   2. whether torch.compile of the deep part recompiles when the kept
#      count varies from one iteration to the next.
# Usage: bash tools/analysis_tools/gpu_checks.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-work_dirs/gpu}
PY=${PYTHON:-python}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
    | tee "$OUT/gpu.txt"
date -u | tee -a "$OUT/gpu.txt"

bench() {  # NAME CONFIG RATIO
    timeout 200 $PY tools/analysis_tools/benchmark_pfb.py "configs/pfb/$2" \
        --device cuda --amp --crop 512 512 --batch-size 8 --ratios "$3" \
        --warmup 3 --repeat 10 --out-dir "$OUT/$1" \
        > "$OUT/$1.md" 2> "$OUT/$1.err" || echo "$1 failed: $?"
    cat "$OUT/$1.md"
}
bench voc_p70 deeplabv3_r50-d8_pfb-p70_4xb4-36k_voc12aug-512x512.py 0.7
bench cityscapes_p30 \
    deeplabv3_r50-d8_pfb-p30_4xb2-36k_cityscapes-512x1024.py 0.3

# time saved / p against the paper's 0.81 (VOC) and 0.80 (Cityscapes)
$PY - "$OUT" <<'PYEOF' | tee "$OUT/saving_over_p.md"
import json, os, sys
out = sys.argv[1]
print('| config | p | mode | saving | saving / p | paper |')
print('|---|---|---|---|---|---|')
for name, paper in (('voc_p70', 0.81), ('cityscapes_p30', 0.80)):
    path = os.path.join(out, name, 'benchmark_pfb.json')
    if not os.path.exists(path):
        print(f'| {name} | missing | | | | {paper} |')
        continue
    for r in json.load(open(path))['rows']:
        print(f'| {name} | {r["ratio"]} | {r["mode"]} | {r["saving"]:.1%} '
              f'| {r["saving"] / r["ratio"]:.2f} | {paper} |')
PYEOF

# torch.compile of the deep part with a varying kept count
timeout 150 $PY - "$OUT" <<'PYEOF' 2>&1 | tee "$OUT/compile_check.txt" \
    || echo "compile check failed: $?"
import sys

import torch
import torch._dynamo
from mmengine.config import Config

from mmpfb.experiments.benchmark import build_model

cfg = Config.fromfile(
    'configs/pfb/deeplabv3_r50-d8_pfb-p70_4xb4-36k_voc12aug-512x512.py')
model = build_model(cfg).cuda()
backbone, splitter = model.backbone, model.blocker.splitter
deep = torch.compile(lambda state: splitter.forward_deep(backbone, state))
inputs = torch.randn(8, 3, 512, 512, device='cuda')
torch._dynamo.utils.counters.clear()
with torch.autocast('cuda', dtype=torch.float16):
    state = splitter.forward_shallow(backbone, inputs)
    for k in (2, 3, 2, 4, 3, 5, 2):  # kept counts as PFB draws them
        keep = torch.arange(k, device='cuda')
        out = deep(state.index_select(keep))
        torch.cuda.synchronize()
        frames = dict(torch._dynamo.utils.counters['frames'])
        print(f'K={k}: dynamo frames {frames}')
stats = dict(torch._dynamo.utils.counters['stats'])
print('compile stats:', stats)
# the first K compiles a static graph, the second a dynamic one
graphs = stats.get('unique_graphs', 0)
print(f'graphs compiled for 7 steps of 4 kept counts: {graphs};',
      'recompiles per kept count' if graphs > 2 else
      'no recompile after the dynamic graph')
PYEOF
date -u | tee -a "$OUT/gpu.txt"
