# ResNet-18 on CIFAR-10 with Partial Forward Blocking: 30% of each batch
# pruned after the first residual stage, from epoch 5 up to epoch 180
# (pruning is on in epochs [5, 180); the first 5 and the last 20 epochs
# train on every sample). PFB settings from the paper's Table 9; everything
# else is the full-data twin's.
_base_ = './resnet18_1xb128-200e_cifar10.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(
        prune_ratio=0.3,
        block_stage=1,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=5, end=180, by_epoch=True)]
