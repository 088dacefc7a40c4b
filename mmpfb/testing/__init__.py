# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny builders and probes for mmpfb's tests."""
from .state_probe_hook import PFBStateProbeHook

__all__ = ['PFBStateProbeHook']
