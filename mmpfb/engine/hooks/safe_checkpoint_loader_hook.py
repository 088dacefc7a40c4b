# Copyright (c) mmpfb contributors. All rights reserved.
from mmengine.hooks import Hook

from mmpfb.registry import HOOKS, register_in_host_scopes
from ..safe_checkpoint_loader import use_safe_checkpoint_loader


@HOOKS.register_module()
class SafeCheckpointLoaderHook(Hook):
    """Make MMEngine read local checkpoints safely from the start of a run.

    MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``, and
    torch >= 2.6 then refuses MMEngine's own checkpoints, so ``resume``
    and ``load_from`` fail. Before the run, which loads them, this hook
    makes :func:`~mmpfb.engine.load_local_checkpoint` MMEngine's loader
    for local files (:func:`~mmpfb.engine.use_safe_checkpoint_loader`):
    ``weights_only=True`` with exactly the classes MMEngine's checkpoints
    hold allowed. A file that holds anything else is refused unless
    ``MMPFB_UNSAFE_CHECKPOINTS=1`` opts in. The loader stays MMEngine's
    for the rest of the process.

    It works in any config, e.g.
    ``custom_hooks = [dict(type='mmpfb.SafeCheckpointLoaderHook')]``;
    :class:`~mmpfb.engine.PFBHook` does the same for a runner that has no
    such hook, and ``mmpfb.utils.register_all_modules()`` (which mmpfb's
    tools call) does it as well.

    Args:
        priority (int | str): Hook priority. Defaults to ``'NORMAL'``.
    """

    def __init__(self, priority='NORMAL') -> None:
        self.priority = priority

    def before_run(self, runner) -> None:
        """Install the safe loader before ``resume`` or ``load_from``
        reads a checkpoint."""
        use_safe_checkpoint_loader()


register_in_host_scopes('HOOKS', SafeCheckpointLoaderHook)
