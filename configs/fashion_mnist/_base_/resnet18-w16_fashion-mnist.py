# A narrow ResNet-18 for one-channel 28x28 Fashion-MNIST, trained from
# scratch: MMPretrain's ResNet_CIFAR (3x3 stem, stride 1, no max pool) with
# stages of 16, 32, 64 and 128 channels, a quarter of the usual width,
# so that one run fits a few minutes of a 2-core CPU.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=10,
        # the training split's pixel mean and std
        mean=[72.94],
        std=[90.02],
        to_rgb=False),
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
