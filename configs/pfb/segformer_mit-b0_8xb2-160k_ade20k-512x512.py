# Full-data twin of the PFB config: mmseg's SegFormer with a MiT-B0
# backbone on ADE20K, unchanged: 8 GPUs x 2 images, 160k iterations.
_base_ = 'mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py'
