# Full-data baseline of the real-image segmentation: the small
# DeepLabV3-R18-D8 of the demo, trained from scratch on the Fashion-MNIST
# scenes (data/fashion_scenes), 1 process x 8 crops of 96x96 on a CPU,
# with the demo's recipe (AdamW, poly, 2000 iterations).
# Test with multi-scale + flip: tools/test.py ... --tta.
_base_ = [
    '../demo/_base_/schedule_adamw-poly_2k.py',
    './_base_/deeplabv3_r18-d8_fashion-scenes.py', './_base_/fashion-scenes.py'
]

default_hooks = dict(logger=dict(interval=20))
