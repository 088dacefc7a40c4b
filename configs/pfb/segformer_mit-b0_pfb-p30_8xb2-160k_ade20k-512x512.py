# SegFormer-MiT-B0 on ADE20K with Partial Forward Blocking: 30% of each
# batch pruned after the first MiT stage (MiT has no stem, so stage 1 is
# the earliest cut), pruning throughout. The paper has no SegFormer run:
# these settings are ours. Everything else is the full-data twin's.
_base_ = './segformer_mit-b0_8xb2-160k_ade20k-512x512.py'

model = dict(
    type='mmpfb.PFBEncoderDecoder',
    pfb=dict(
        prune_ratio=0.3,
        block_stage=1,
        num_centroids=64,
        feat_dim=128,
        random_bound=0.01,
        momentum=0.01))
custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, by_epoch=False)]
