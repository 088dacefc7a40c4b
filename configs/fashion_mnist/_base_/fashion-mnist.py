# Fashion-MNIST through MMPretrain's own FashionMNIST class, offline:
# prepare data/fashion_mnist with
# tools/dataset_converters/prepare_fashion_mnist.py. The host class picks
# the files by test_mode, not by split: the test set needs test_mode=True
# to be the 10k test split (with test_mode=False it is the 60k training
# split). Training on all 60k images, testing on the balanced 10k.
dataset_type = 'FashionMNIST'
data_root = 'data/fashion_mnist'
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs')
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        test_mode=False,
        download=False,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=500,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        test_mode=True,
        download=False,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# top-1 and the recall of every class (the per-class accuracy), which
# shows what a long-tailed training set costs the rare classes
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='SingleLabelMetric', items=('recall', ), average=None)
]
test_evaluator = val_evaluator
