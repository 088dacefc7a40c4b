# InfoBatch (Qin et al., ICLR 2024) twin of the full-data config: each sweep
# over the data set drops half of the images whose last loss is below the
# mean (the paper's r = 0.5); the run ends once it has seen the data of
# the twin's 36k iterations, the last 12.5 % of it without pruning
# (delta = 0.875); the poly schedule follows the full-data clock. For the
# PFB paper's InfoBatch variant (Tables 2-4) set threshold=0.95.
_base_ = '../pfb/deeplabv3_r50-d8_4xb2-36k_cityscapes-512x1024.py'

model = dict(type='mmpfb.InfoBatchEncoderDecoder')
train_dataloader = dict(
    sampler=dict(
        type='mmpfb.InfoBatchInfiniteSampler', prune_ratio=0.5, delta=0.875))
custom_hooks = [dict(type='mmpfb.InfoBatchHook')]
