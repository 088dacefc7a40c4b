# Full-data baseline of the converged-regime study: a balanced subset of
# 1000 training images per class (10k in all, drawn with subset_seed 0),
# 30 epochs (2370 iterations), tested on the balanced 10k test split.
# Full data has converged here: 30 and 60 epochs differ by less than
# 0.3 pt top-1 over two seeds (docs/evidence_converged.md). Model and
# optimiser are the 2-epoch baseline's.
_base_ = './resnet18_1xb128-2e_fashion-mnist.py'

max_epochs = 30
train_dataloader = dict(
    dataset=dict(
        type='mmpfb.LongTailFashionMNIST',
        max_per_class=1000,
        imbalance_factor=1.,
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
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=1))
