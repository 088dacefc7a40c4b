# Segmentation scenes of real Fashion-MNIST garments in VOC layout
# (mmpfb.experiments.datasets.generate_fashion_scenes, written by
# tools/dataset_converters/generate_fashion_scenes.py): 128x128 grey
# scenes, long-tailed garment classes in training (imbalance factor 10,
# T-shirt/top commonest, Ankle boot rarest), uniform classes in the
# validation scenes, which use only the test split's garments.
dataset_type = 'BaseSegDataset'
data_root = 'data/fashion_scenes'
# training on 96x96 crops of the rescaled scenes costs about half as much
# per iteration as whole scenes; testing is on the whole 128x128 scenes
crop_size = (96, 96)
scene_size = (128, 128)
metainfo = dict(
    classes=('background', 'T-shirt/top', 'Trouser', 'Pullover', 'Dress',
             'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'),
    palette=[[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25],
             [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240],
             [240, 50, 230], [210, 245, 60], [250, 190, 190]])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=scene_size,
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scene_size, keep_ratio=True),
    # load the annotation after ``Resize``: the metric reads the
    # original-size ground truth
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
img_ratios = [0.75, 1.0, 1.25]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='Resize', scale_factor=r, keep_ratio=True)
                for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ], [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]
        ])
]
dataset_common = dict(
    type=dataset_type,
    data_root=data_root,
    metainfo=metainfo,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    img_suffix='.png',
    seg_map_suffix='.png',
    reduce_zero_label=False)
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        ann_file='ImageSets/Segmentation/train.txt',
        pipeline=train_pipeline,
        **dataset_common))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        ann_file='ImageSets/Segmentation/val.txt',
        pipeline=test_pipeline,
        **dataset_common))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
