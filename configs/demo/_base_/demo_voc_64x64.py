# The generated demo dataset (mmpfb.experiments.datasets.generate_demo_voc) in PASCAL
# VOC layout: 64x64 images, 5 object classes plus background.
dataset_type = 'BaseSegDataset'
data_root = 'data/demo_voc'
crop_size = (64, 64)
metainfo = dict(
    classes=('background', 'disc', 'square', 'triangle', 'ring', 'cross'),
    palette=[[0, 0, 0], [220, 50, 40], [50, 170, 60], [40, 80, 210],
             [240, 160, 20], [180, 50, 190]])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=crop_size,
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    # no cat_max_ratio: background covers most of every image, so the
    # retries would only cost time
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
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
    img_suffix='.jpg',
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
