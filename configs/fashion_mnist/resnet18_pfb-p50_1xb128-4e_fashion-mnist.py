# The four-epoch balanced baseline with Partial Forward Blocking: half of
# each batch pruned after the first residual stage in every epoch, as in
# the two-epoch twin, so that only the schedule's length differs.
_base_ = './resnet18_1xb128-4e_fashion-mnist.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(
        prune_ratio=0.5,
        block_stage=1,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=True)]
