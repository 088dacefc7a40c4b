# Copyright (c) mmpfb contributors. All rights reserved.
"""The PFB step's collectives, in plain ``torch.distributed``: the
kept rows of every rank with a packet each, and a generator's state
from one rank to all."""
from typing import Tuple

import torch
import torch.distributed as dist
from torch import Tensor

from mmpfb.utils.loaded_state import generator_state_on_host


def all_gather_rows(x: Tensor, packet: Tensor) -> Tuple[Tensor, Tensor]:
    """All-gather rows of different counts, with a uint8 packet per rank.

    Needs an initialised process group. The row counts travel with the
    packets, in one collective; the rows, padded to the largest count, in
    a second.

    Args:
        x (Tensor): This rank's rows, shape (M, D); ``M`` may differ
            between the ranks, ``D`` may not.
        packet (Tensor): uint8 of shape (P,), ``P`` the same on every
            rank.

    Returns:
        tuple[Tensor, Tensor]: Every rank's rows in rank order, shape
        (sum of M, D), and the packets stacked, shape (world size, P),
        both on ``x``'s device.
    """
    world_size = dist.get_world_size()
    count = torch.tensor([x.size(0)]).view(torch.uint8)
    header = torch.cat([count, packet]).to(x.device, non_blocking=True)
    headers = [torch.empty_like(header) for _ in range(world_size)]
    dist.all_gather(headers, header)
    headers = torch.stack(headers)
    sizes = headers[:, :count.numel()].contiguous().view(
        torch.long).view(-1).tolist()
    padded = x.new_zeros(max(sizes), x.size(1))
    padded[:x.size(0)] = x
    chunks = [torch.empty_like(padded) for _ in range(world_size)]
    dist.all_gather(chunks, padded)
    rows = torch.cat([c[:s] for c, s in zip(chunks, sizes)])
    return rows, headers[:, count.numel():]


def broadcast_generator_state(generator: torch.Generator,
                              device: torch.device,
                              src: int = 0) -> None:
    """Set ``generator`` on every rank to rank ``src``'s state.

    Args:
        generator (torch.Generator): A CPU generator.
        device (torch.device): The device the collective runs on (CUDA
            for NCCL).
        src (int): The rank whose state every rank takes. Defaults to 0.
    """
    state = generator.get_state().to(device)
    dist.broadcast(state, src=src)
    generator.set_state(generator_state_on_host(state))
