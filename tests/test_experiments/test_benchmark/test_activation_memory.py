# Copyright (c) mmpfb contributors. All rights reserved.
import torch
import torch.nn as nn

from mmpfb.experiments.benchmark import count_saved_bytes, saved_mib


def test_counts_activations_once_and_not_the_parameters():
    linear = nn.Linear(64, 32, bias=False).double()
    x = torch.randn(16, 64, dtype=torch.float64, requires_grad=True)
    with count_saved_bytes(linear.parameters()) as counted:
        # linear saves x (and its weight); relu saves its output; the
        # second relu's input is that output again (same storage)
        y = torch.relu(linear(x))
        z = (y * y).sum()
    assert counted['bytes'] == 16 * 64 * 8 + 16 * 32 * 8
    z.backward()  # the hooks leave the graph usable
    assert x.grad.shape == x.shape


def test_no_grad_saves_nothing():
    linear = nn.Linear(8, 8)

    def forward():
        with torch.no_grad():
            return linear(torch.randn(4, 8))

    assert saved_mib(forward, linear.parameters()) == 0


def test_autocast_copies_of_the_parameters_are_not_counted():
    linear = nn.Linear(64, 32, bias=False)
    x = torch.randn(16, 64, requires_grad=True)
    with count_saved_bytes(linear.parameters()) as counted, \
            torch.autocast('cpu', dtype=torch.bfloat16):
        y = torch.relu(linear(x))
    # the bf16 copy of x and relu's output; not the weight's bf16 copy
    assert counted['bytes'] == 16 * 64 * 2 + 16 * 32 * 2
    assert y.dtype == torch.bfloat16
