# ResNet-50 on ImageNet-1k with Partial Forward Blocking: 40% of each
# batch pruned after the second residual stage, from epoch 15 up to epoch
# 80 (pruning is on in epochs [15, 80); the first 15 and the last 10
# epochs train on every sample). PFB settings from the paper's Table 9
# (random bound 0.001 here); everything else is the full-data twin's.
_base_ = './resnet50_4xb256-lars-90e_in1k.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(
        prune_ratio=0.4,
        block_stage=2,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.001,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=15, end=80, by_epoch=True)]
