# Full-data twin of the PFB config: mmseg's DeepLabV3-R50-D8 on PASCAL VOC
# 2012 aug, 4 GPUs x 4 images, trained 36k iterations as in the paper.
_base_ = 'mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-40k_voc12aug-512x512.py'

max_iters = 36000
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
