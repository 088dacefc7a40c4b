# The balanced full-data baseline on a schedule twice as long: four epochs
# (1876 iterations) instead of two, the one-cycle learning rate stretched
# to match; for the question whether pruning costs less when every sample
# is seen more often.
_base_ = './resnet18_1xb128-2e_fashion-mnist.py'

max_epochs = 4
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
