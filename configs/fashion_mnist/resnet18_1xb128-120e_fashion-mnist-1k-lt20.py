# The long-tailed calibration: the 60-epoch 1k-per-class, imbalance-20
# baseline trained twice as long (120 epochs, 3240 iterations).
_base_ = './resnet18_1xb128-60e_fashion-mnist-1k-lt20.py'

max_epochs = 120
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
