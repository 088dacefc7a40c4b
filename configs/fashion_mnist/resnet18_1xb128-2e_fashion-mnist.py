# Full-data baseline on real images: a narrow ResNet-18 (see _base_)
# trained from scratch on all 60k Fashion-MNIST training images for two
# epochs (938 iterations, about 9 minutes on a 2-core CPU), tested on the
# balanced 10k test split.
# AdamW with a one-cycle learning rate updated every iteration, as in the
# demo configs: on a schedule this short it learns faster than the SGD
# recipe of configs/pfb.
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    './_base_/resnet18-w16_fashion-mnist.py', './_base_/fashion-mnist.py'
]

max_epochs = 2
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.003, weight_decay=0.05))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=0.003,
        pct_start=0.25,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook', interval=max_epochs, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
