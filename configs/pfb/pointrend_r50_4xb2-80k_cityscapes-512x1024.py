# Full-data twin of the PFB config: mmseg's PointRend-R50 (FPN) on
# Cityscapes, 4 GPUs x 2 images, 80k iterations, unchanged.
_base_ = 'mmseg::point_rend/pointrend_r50_4xb2-80k_cityscapes-512x1024.py'
