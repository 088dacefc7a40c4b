# The long-tailed Fashion-MNIST baseline with Partial Forward Blocking:
# half of each batch pruned after the first residual stage in epochs
# [1, 7) of 8 (the first and the last epoch train on every sample, as the
# paper's CIFAR schedule does with its first 5 and last 20 of 200). PFB
# settings as in the balanced twin; everything else is the full-data
# twin's.
_base_ = './resnet18_1xb128-8e_fashion-mnist-lt100.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(
        prune_ratio=0.5,
        block_stage=1,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=1, end=7, by_epoch=True)]
