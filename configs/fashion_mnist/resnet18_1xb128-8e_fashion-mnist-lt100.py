# The full-data baseline on a long-tailed training set: 6000 T-shirts/tops
# down to 60 ankle boots (exponential profile, imbalance factor 100, class
# order = label order, 14886 images drawn with subset_seed 0; see
# mmpfb.datasets.fashion_mnist.long_tail), eight epochs (936 iterations,
# about as many as two epochs of the balanced set), tested on the
# balanced 10k test split.
_base_ = './resnet18_1xb128-2e_fashion-mnist.py'

max_epochs = 8
train_dataloader = dict(
    dataset=dict(
        type='mmpfb.LongTailFashionMNIST',
        max_per_class=6000,
        imbalance_factor=100.,
        subset_seed=0))
# a list replaces the base's: the whole one-cycle schedule again
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
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
