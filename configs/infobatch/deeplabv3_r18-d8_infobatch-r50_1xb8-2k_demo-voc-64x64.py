# The segmentation demo with InfoBatch (Qin et al., ICLR 2024): each sweep
# over the data set drops half of the images whose last loss is below the
# mean, and the run ends once it has seen the data of the full-data
# twin's 2000 iterations (the last 12.5 % of it without pruning).
# Everything else is the full-data twin's.
_base_ = '../demo/deeplabv3_r18-d8_1xb8-2k_demo-voc-64x64.py'

model = dict(type='mmpfb.InfoBatchEncoderDecoder')
train_dataloader = dict(
    sampler=dict(
        type='mmpfb.InfoBatchInfiniteSampler', prune_ratio=0.5, delta=0.875))
custom_hooks = [dict(type='mmpfb.InfoBatchHook')]
