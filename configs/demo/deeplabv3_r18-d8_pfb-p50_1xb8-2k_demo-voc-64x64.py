# The demo with Partial Forward Blocking: half of each batch is pruned
# after backbone stage 3 (where the auxiliary head reads), from the first
# iteration on. Everything else is the full-data twin's.
_base_ = './deeplabv3_r18-d8_1xb8-2k_demo-voc-64x64.py'

model = dict(
    type='mmpfb.PFBEncoderDecoder',
    pfb=dict(prune_ratio=0.5, block_stage=3, num_centroids=16, feat_dim=64))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=False)]
