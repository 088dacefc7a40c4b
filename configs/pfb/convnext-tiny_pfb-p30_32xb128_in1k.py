# ConvNeXt-T on ImageNet-1k with Partial Forward Blocking: 30% of each
# batch pruned after the first ConvNeXt stage, in epochs [50, 267) (the
# ResNet-50 window of the paper scaled to 300 epochs, as for Swin-T). The
# paper has no ConvNeXt run: these settings are ours. Everything else is
# the full-data twin's (its EMAHook included).
_base_ = './convnext-tiny_32xb128_in1k.py'

model = dict(
    type='mmpfb.PFBImageClassifier',
    pfb=dict(
        prune_ratio=0.3,
        block_stage=1,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
# custom_hooks replaces the base's list: its EMAHook is repeated as the
# base config holds it (with the scope of the mmpretrain:: base).
custom_hooks = [
    dict(
        type='EMAHook',
        momentum=1e-4,
        priority='ABOVE_NORMAL',
        _scope_='mmpretrain'),
    dict(type='mmpfb.PFBHook', begin=50, end=267, by_epoch=True)
]
