# InfoBatch (Qin et al., ICLR 2024) twin of the full-data config, with the
# paper's CIFAR settings: each epoch drops half of the images whose last
# loss is below the mean (r = 0.5), the last 12.5 % of the epochs without
# pruning (delta = 0.875); the one-cycle schedule follows the full-data
# clock, so it ends at its configured value although epochs are shorter.
_base_ = '../pfb/resnet18_1xb128-200e_cifar100.py'

model = dict(type='mmpfb.InfoBatchImageClassifier')
train_dataloader = dict(
    sampler=dict(
        type='mmpfb.InfoBatchSampler', prune_ratio=0.5, delta=0.875))
custom_hooks = [dict(type='mmpfb.InfoBatchHook')]
