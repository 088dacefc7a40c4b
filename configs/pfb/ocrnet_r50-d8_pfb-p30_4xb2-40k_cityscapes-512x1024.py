# OCRNet-R50-D8 on Cityscapes with Partial Forward Blocking: 30% of each
# batch pruned after backbone stage 3, where the first cascade stage (the
# FCN head) reads; stage 4, both cascade stages and the losses run on the
# kept samples only. The paper has no OCRNet run: the PFB settings are its
# DeepLabV3-R50-D8 ones. Everything else is the full-data twin's. With 2
# images per GPU this keeps 1.4 per GPU on average, which needs SyncBN over
# 2 or more GPUs (a plain BatchNorm raises the floor to 2 kept, i.e. no
# pruning): train distributed.
_base_ = './ocrnet_r50-d8_4xb2-40k_cityscapes-512x1024.py'

model = dict(
    type='mmpfb.PFBCascadeEncoderDecoder',
    pfb=dict(
        prune_ratio=0.3,
        block_stage=3,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=False)]
