# Copyright (c) mmpfb contributors. All rights reserved.
"""Tiny builders for mmpfb's tests; import the submodule of your host."""
