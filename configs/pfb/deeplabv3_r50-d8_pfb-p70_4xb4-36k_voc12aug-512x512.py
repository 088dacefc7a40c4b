# DeepLabV3-R50-D8 on PASCAL VOC 2012 aug with Partial Forward Blocking:
# 70% of each batch pruned after backbone stage 3 (where the auxiliary head
# reads). Everything else is the full-data twin's.
_base_ = './deeplabv3_r50-d8_4xb4-36k_voc12aug-512x512.py'

model = dict(
    type='mmpfb.PFBEncoderDecoder',
    pfb=dict(
        prune_ratio=0.7,
        block_stage=3,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=False)]
