# The Fashion-MNIST scenes with Partial Forward Blocking: half of each
# batch pruned after backbone stage 3 (where the auxiliary head reads)
# from the first iteration on, as the paper does for DeepLabV3 (64
# centroids over min(128, 64) = 64 channels, b = 0.01). Everything else
# is the full-data twin's.
_base_ = './deeplabv3_r18-d8_1xb8-2k_fashion-scenes-96x96.py'

model = dict(
    type='mmpfb.PFBEncoderDecoder',
    pfb=dict(
        prune_ratio=0.5,
        block_stage=3,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=False)]
