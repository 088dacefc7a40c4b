# The classification demo with Partial Forward Blocking: half of each
# batch is pruned after the first residual stage, from the first
# iteration on, with 16 centroids over that stage's 16 channels.
# Everything else is the full-data twin's.
_base_ = './resnet18_1xb32-10e_demo-shapes-32px.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(prune_ratio=0.5, block_stage=1, num_centroids=16, feat_dim=16))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=True)]
