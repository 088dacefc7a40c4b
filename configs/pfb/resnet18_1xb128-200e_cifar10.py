# Full-data twin of the PFB configs: ResNet-18 (MMPretrain's ResNet_CIFAR,
# 3x3 stem without max pool) on CIFAR-10 with the paper's training settings
# (Table 9, which follows InfoBatch): 1 GPU x 128 images, 200 epochs, SGD
# with momentum 0.9 and weight decay 5e-4, peak learning rate 0.1, label
# smoothing 0.1 and a one-cycle learning rate schedule.
_base_ = 'mmpretrain::resnet/resnet18_8xb16_cifar10.py'

model = dict(
    head=dict(
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))
train_dataloader = dict(batch_size=128)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
# One cycle over the whole run, updated every iteration, with torch's
# OneCycleLR defaults (as in InfoBatch's CIFAR code): from eta_max / 25 up
# to eta_max over the first 30% of the iterations, then down to
# eta_max / 25 / 1e4, both by cosine. OneCycleLR sets the learning rate
# from eta_max and ignores the optimizer's lr. Given in epochs and
# converted to iterations at run time, the cycle spans exactly 200 epochs
# of whatever length the dataloader has. Momentum stays at 0.9 (torch's
# OneCycleLR would also cycle it between 0.85 and 0.95; MMEngine's does
# not).
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=0.1,
        pct_start=0.3,
        by_epoch=True,
        begin=0,
        end=200,
        convert_to_iter_based=True)
]
