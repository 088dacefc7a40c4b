# The converged-regime balanced PFB config, annealed: pruning stops for
# the last 4 of the 30 epochs (the last eighth, rounded as InfoBatch
# rounds its annealing epoch down), which then train on full batches.
_base_ = './resnet18_pfb-p30_1xb128-30e_fashion-mnist-1k.py'

custom_hooks = [dict(type='mmpfb.PFBHook', begin=0, end=26, by_epoch=True)]
