# The balanced Fashion-MNIST baseline with Partial Forward Blocking: half
# of each batch pruned after the first residual stage for the whole run
# (two epochs leave no room for the paper's full-data start and end; the
# estimator prunes nothing until its 64 centroids are filled). The paper's
# CIFAR settings otherwise (N_C = 64, D = 128, here min(D, C) = 16
# channels, b = 0.01, beta = 0.01). Everything else is the full-data
# twin's; the ratio can be changed with
# --cfg-options model.pfb.prune_ratio=0.3.
_base_ = './resnet18_1xb128-2e_fashion-mnist.py'

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
