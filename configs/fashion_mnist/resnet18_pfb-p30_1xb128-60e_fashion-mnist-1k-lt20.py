# The converged-regime long-tailed baseline with Partial Forward
# Blocking: 30 % of each batch pruned after the first residual stage for
# the whole run, PFB settings as in the balanced twin.
_base_ = './resnet18_1xb128-60e_fashion-mnist-1k-lt20.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(
        prune_ratio=0.3,
        block_stage=1,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=True)]
