# The classification demo with InfoBatch (Qin et al., ICLR 2024): each
# epoch drops half of the images whose last loss is below the mean (the
# last 12.5 % of the epochs without pruning); the learning rate follows
# the full-data twin's schedule. Everything else is the full-data twin's.
_base_ = '../demo/resnet18_1xb32-10e_demo-shapes-32px.py'

model = dict(type='mmpfb.InfoBatchImageClassifier')
train_dataloader = dict(
    sampler=dict(
        type='mmpfb.InfoBatchSampler', prune_ratio=0.5, delta=0.875))
custom_hooks = [dict(type='mmpfb.InfoBatchHook')]
