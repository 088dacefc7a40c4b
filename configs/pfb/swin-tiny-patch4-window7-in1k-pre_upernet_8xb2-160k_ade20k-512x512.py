# Full-data twin of the PFB config: mmseg's UperNet with a Swin-T backbone
# (ImageNet-1k pretrained) on ADE20K, unchanged: 8 GPUs x 2 images, 160k
# iterations, AdamW with linear warm-up then poly decay.
_base_ = ('mmseg::swin/swin-tiny-patch4-window7-in1k-pre_upernet_'
          '8xb2-160k_ade20k-512x512.py')
