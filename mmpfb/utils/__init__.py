# Copyright (c) mmpfb contributors. All rights reserved.
from .host_libraries import is_installed

__all__ = ['is_installed']
