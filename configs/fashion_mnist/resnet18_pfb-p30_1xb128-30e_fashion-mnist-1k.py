# The converged-regime balanced baseline with Partial Forward Blocking:
# 30 % of each batch pruned after the first residual stage for the whole
# run, with the settings of the 2-epoch PFB config (the paper's CIFAR
# settings). Everything else is the full-data twin's; the ratio can be
# changed with --cfg-options model.pfb.prune_ratio=0.5.
_base_ = './resnet18_1xb128-30e_fashion-mnist-1k.py'

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
