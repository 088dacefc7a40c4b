# Swin-T on ImageNet-1k with Partial Forward Blocking: 40% of each batch
# pruned after the first Swin stage (the paper's choice for Swin, section
# 4.3). Everything else is the full-data twin's.
#
# The paper's Table 9 is not legible for Swin-T, so two values are ours:
# - random_bound 0.01: the paper's default b (its other stage-1 settings,
#   CIFAR; only the stage-2 ResNet-50 uses 0.001), inside the range
#   [0.001, 1] where its Fig. 3(b) finds accuracy insensitive to b.
# - pruning in epochs [50, 267): the ResNet-50 ImageNet window (epochs
#   15 to 80 of 90) scaled to 300 epochs (15 / 90 * 300 = 50,
#   80 / 90 * 300 = 266.7, rounded up); the first 50 and the last 33
#   epochs train on every sample.
_base_ = './swin-tiny_16xb64_in1k.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(
        prune_ratio=0.4,
        block_stage=1,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=50, end=267, by_epoch=True)]
