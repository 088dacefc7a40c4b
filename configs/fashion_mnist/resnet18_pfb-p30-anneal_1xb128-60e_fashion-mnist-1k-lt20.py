# The converged-regime long-tailed PFB config, annealed: pruning stops for
# the last 8 of the 60 epochs (the last eighth, rounded as InfoBatch
# rounds its annealing epoch down), which then train on full batches.
_base_ = './resnet18_pfb-p30_1xb128-60e_fashion-mnist-1k-lt20.py'

custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, end=52, by_epoch=True)]
