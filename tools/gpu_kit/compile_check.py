# Copyright (c) mmpfb contributors. All rights reserved.
"""Whether ``torch.compile`` of PFB's deep part recompiles per kept count.

PFB keeps a different number of samples K from one iteration to the next.
This compiles the deep part of DeepLabV3-R50-D8 (VOC, p = 0.7) once and
runs it on 7 kept counts drawn as PFB draws them, in fp16 autocast on
CUDA, and prints the frames and graphs Dynamo compiled. Part of
``tools/analysis_tools/gpu_checks.sh``.
"""
import torch
import torch._dynamo
from mmengine.config import Config

from mmpfb.experiments.benchmark import build_model

CONFIG = 'configs/pfb/deeplabv3_r50-d8_pfb-p70_4xb4-36k_voc12aug-512x512.py'


def main() -> None:
    model = build_model(Config.fromfile(CONFIG)).cuda()
    backbone, splitter = model.backbone, model.blocker.splitter
    deep = torch.compile(lambda state: splitter.forward_deep(backbone, state))
    inputs = torch.randn(8, 3, 512, 512, device='cuda')
    torch._dynamo.utils.counters.clear()
    with torch.autocast('cuda', dtype=torch.float16):
        state = splitter.forward_shallow(backbone, inputs)
        for k in (2, 3, 2, 4, 3, 5, 2):  # kept counts as PFB draws them
            keep = torch.arange(k, device='cuda')
            deep(state.index_select(keep))
            torch.cuda.synchronize()
            frames = dict(torch._dynamo.utils.counters['frames'])
            print(f'K={k}: dynamo frames {frames}', flush=True)
    stats = dict(torch._dynamo.utils.counters['stats'])
    print('compile stats:', stats)
    # the first K compiles a static graph, the second a dynamic one
    graphs = stats.get('unique_graphs', 0)
    print(
        f'graphs compiled for 7 steps of 4 kept counts: {graphs};',
        'recompiles per kept count'
        if graphs > 2 else 'no recompile after the dynamic graph')


if __name__ == '__main__':
    main()
