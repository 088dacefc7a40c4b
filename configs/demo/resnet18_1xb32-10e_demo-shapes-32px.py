# Full-data twin of the PFB classification demo config: a narrow
# ResNet-18 (MMPretrain's ResNet_CIFAR, 3x3 stem without max pool, stages
# of 16, 32, 64 and 128 channels) trained from scratch on the generated
# demo shapes (data/demo_shapes, see
# mmpfb.experiments.datasets.demo_shapes.generate_demo_shapes), 1 process x 32 images
# of 32x32 on a CPU, 10 epochs.
_base_ = 'mmpretrain::_base_/default_runtime.py'

max_epochs = 10
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=5,
        # roughly the demo data's mean and std (RGB)
        mean=[116.7, 115.3, 113.4],
        std=[43.6, 40.4, 44.3],
        # the images are loaded as BGR
        to_rgb=True),
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=5,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))

# The generated dataset in CustomDataset's folder layout; the class names
# are sorted like the folders, so the labels agree.
dataset_type = 'CustomDataset'
data_root = 'data/demo_shapes'
metainfo = dict(classes=('cross', 'disc', 'ring', 'square', 'triangle'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs')
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        metainfo=metainfo,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='val',
        metainfo=metainfo,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

# AdamW with a one-cycle learning rate over the whole run, updated every
# iteration (OneCycleLR sets the rate from eta_max); on this short
# schedule it learns the shapes faster than the SGD recipe of the CIFAR
# configs in configs/pfb.
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.003, weight_decay=0.05))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=0.003,
        pct_start=0.3,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', interval=max_epochs, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
