# Copyright (c) mmpfb contributors. All rights reserved.
"""Helpers shared by the PFB segmentor tests: a host parent and its PFB
twin on the same weights, one training step, and spies on the heads."""
import copy

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm


def build_pair(parent_cfg, pfb_cfg):
    """The host parent and its PFB twin with the same weights, in
    training mode."""
    torch.manual_seed(0)
    parent = MODELS.build(parent_cfg)
    model = MODELS.build(pfb_cfg)
    missing, unexpected = model.load_state_dict(
        parent.state_dict(), strict=False)
    assert not unexpected
    assert missing and all(key.startswith('blocker.') for key in missing)
    return parent.train(), model.train()


def copy_weights(src, dst):
    """Load ``src``'s weights (and norm statistics) into ``dst``, one of
    the pair being the PFB model."""
    missing, unexpected = dst.load_state_dict(src.state_dict(), strict=False)
    assert all(key.startswith('blocker.') for key in missing + unexpected)


def run_loss(model, inputs, samples, seed=1):
    """One loss and backward; the seed fixes dropout and PointRend's
    sampled points."""
    torch.manual_seed(seed)
    model.zero_grad()
    losses = model.loss(inputs, copy.deepcopy(samples))
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    return losses


def assert_same_losses_and_grads(parent, model, inputs, samples):
    """Bit-for-bit the parent's losses and gradients."""
    ref = run_loss(parent, inputs, samples)
    got = run_loss(model, inputs, samples)
    for key, value in ref.items():
        assert torch.equal(got[key], value), key
    grads = dict(model.named_parameters())
    for name, param in parent.named_parameters():
        if param.grad is None:
            assert grads[name].grad is None, name
        else:
            assert torch.equal(grads[name].grad, param.grad), name


def fill_estimator(model, inputs, samples):
    """One training step that fills the estimator's centroids."""
    model.loss(inputs, copy.deepcopy(samples))
    assert model.blocker.estimator.is_ready


def fix_random_layers(model):
    """BatchNorm and dropout in eval mode, so a forward on a subset of
    the batch equals the same rows of a forward on all of it."""
    for m in model.modules():
        if isinstance(m, (_BatchNorm, nn.Dropout, nn.Dropout2d)):
            m.eval()
    return model


def heads(model):
    """Every decode head (each cascade stage) and auxiliary head."""

    def as_list(module):
        return list(module) if isinstance(module, nn.ModuleList) else [module]

    found = as_list(model.decode_head)
    if model.with_auxiliary_head:
        found += as_list(model.auxiliary_head)
    return found


def spy_head_losses(model):
    """Record, for each call of a head's ``loss``, the head, its feature
    inputs, the previous cascade stage's output (if any) and the
    ``sample_idx`` of its data samples."""
    calls = []
    for head in heads(model):

        def loss(inputs, *args, _orig=head.loss, _head=head):
            *prev, data_samples, train_cfg = args
            calls.append(
                dict(
                    head=_head,
                    inputs=[t.detach().clone() for t in inputs],
                    prev=[t.detach().clone() for t in prev],
                    sample_idx=[
                        s.metainfo['sample_idx'] for s in data_samples
                    ]))
            return _orig(inputs, *args)

        head.loss = loss
    return calls
