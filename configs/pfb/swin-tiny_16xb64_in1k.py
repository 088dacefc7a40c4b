# Full-data twin of the PFB configs: MMPretrain's Swin-T on ImageNet-1k,
# unchanged: 16 GPUs x 64 images (1024 in total, the paper's batch size),
# 300 epochs, AdamW (lr 1e-3, weight decay 0.05), 20 linear warm-up epochs
# then cosine, gradient clipping at 5, stochastic depth 0.2, RandAugment,
# random erasing, Mixup and CutMix, label smoothing 0.1. The paper trains
# Swin-T for 300 epochs with batch 1024 in "settings similar to Dyn-Unc"
# with AutoAugment, drop path and gradient clipping, but its Table 9
# column for Swin-T is not legible; MMPretrain's recipe (the Swin paper's,
# whose automatic augmentation is RandAugment) stands in for it.
_base_ = 'mmpretrain::swin_transformer/swin-tiny_16xb64_in1k.py'
