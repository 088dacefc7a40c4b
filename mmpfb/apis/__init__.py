# Copyright (c) mmpfb contributors. All rights reserved.
"""What the command-line tools call: each job lives in a subpackage
(``mmpfb.apis.benchmark``) so that ``tools/*.py`` stay thin wrappers.
Importing this package imports no host library."""
