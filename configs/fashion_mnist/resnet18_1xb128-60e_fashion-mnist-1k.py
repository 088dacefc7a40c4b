# The converged-regime calibration: the 30-epoch balanced 1k-per-class
# baseline trained twice as long (60 epochs, 4740 iterations).
_base_ = './resnet18_1xb128-30e_fashion-mnist-1k.py'

max_epochs = 60
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
