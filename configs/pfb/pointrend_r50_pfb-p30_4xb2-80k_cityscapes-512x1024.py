# PointRend-R50 on Cityscapes with Partial Forward Blocking: 30% of each
# batch pruned after backbone stage 3; stage 4, the FPN neck (fed the kept
# rows of stages 1-3 and stage 4), the FPN head, the point head and the
# losses run on the kept samples only. The paper has no PointRend run: the
# PFB settings are its DeepLabV3-R50-D8 ones. Everything else is the
# full-data twin's. With 2 images per GPU this keeps 1.4 per GPU on
# average, which needs SyncBN over 2 or more GPUs (a plain BatchNorm raises
# the floor to 2 kept, i.e. no pruning): train distributed.
_base_ = './pointrend_r50_4xb2-80k_cityscapes-512x1024.py'

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
