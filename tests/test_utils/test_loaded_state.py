# Copyright (c) mmpfb contributors. All rights reserved.
import torch

from mmpfb.utils.loaded_state import (empty_buffer_like,
                                      generator_state_on_host, tensors_on_host)


def is_host(x):
    return type(x) is torch.Tensor and x.device.type == 'cpu'


def test_a_generator_state_row_becomes_a_state_the_setters_take(loaded):
    table = torch.stack(
        [torch.Generator().manual_seed(seed).get_state() for seed in (0, 1)])
    state = generator_state_on_host(loaded(table)[1])
    assert is_host(state) and state.dtype == torch.uint8
    assert state.is_contiguous() and state.storage_offset() == 0
    generator = torch.Generator()
    generator.set_state(state)
    assert torch.equal(generator.get_state(), table[1])


def test_nested_tensors_are_copied_to_the_host(loaded):
    saved = dict(
        scores=torch.arange(3.),
        passes={0: dict(order=torch.tensor([2, 0]), weight=1.5)},
        pair=(torch.ones(1), 'x'),
        count=3)
    state = tensors_on_host(loaded(saved))
    assert is_host(state['scores']) and is_host(state['pair'][0])
    order = state['passes'][0]['order']
    assert is_host(order) and order.tolist() == [2, 0]
    assert state['passes'][0]['weight'] == 1.5
    assert state['pair'][1] == 'x' and state['count'] == 3
    state['scores'].add_(1)  # a copy
    assert saved['scores'].tolist() == [0., 1., 2.]


def test_a_resized_buffer_keeps_its_device_and_dtype(loaded):
    buffer = torch.zeros(2)
    saved = loaded(torch.ones(5, dtype=torch.float64))
    resized = empty_buffer_like(saved, buffer)
    assert is_host(resized)
    assert resized.shape == (5, ) and resized.dtype == torch.float32
