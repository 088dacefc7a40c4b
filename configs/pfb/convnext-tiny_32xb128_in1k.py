# Full-data twin of the PFB config: MMPretrain's ConvNeXt-T on ImageNet-1k,
# unchanged: 32 GPUs x 128 images, 300 epochs, AdamW, RandAugment, Mixup,
# CutMix, label smoothing and EMA.
_base_ = 'mmpretrain::convnext/convnext-tiny_32xb128_in1k.py'
