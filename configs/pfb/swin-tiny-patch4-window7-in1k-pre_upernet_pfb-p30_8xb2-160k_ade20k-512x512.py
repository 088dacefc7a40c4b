# UperNet-Swin-T on ADE20K with Partial Forward Blocking: 30% of each batch
# pruned after the first Swin stage (the paper's cut for Swin, section
# 4.3), pruning throughout as in its segmentation runs. The paper has no
# UperNet run: these settings are ours. With 2 images per GPU this keeps
# 1.4 per GPU on average; the heads' SyncBN makes that safe when trained
# distributed. Everything else is the full-data twin's.
_base_ = ('./swin-tiny-patch4-window7-in1k-pre_upernet_'
          '8xb2-160k_ade20k-512x512.py')

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
