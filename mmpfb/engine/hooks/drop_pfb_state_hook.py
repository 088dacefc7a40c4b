# Copyright (c) mmpfb contributors. All rights reserved.
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmpfb.models.blocking import PFBModelMixin
from mmpfb.registry import HOOKS, register_in_host_scopes

PFB_STATE_PREFIX = 'blocker.'


@HOOKS.register_module()
class DropPFBStateHook(Hook):
    """Load a PFB checkpoint into the plain parent model (deployment).

    A PFB model's checkpoint holds, besides the parent's weights, the
    training state of PFB under ``blocker.``: the density estimator's
    centroids and counts, the step's generator states, and the measured
    ``shallow_grad``. The parent (``EncoderDecoder``, ``ImageClassifier``)
    has no use for them, and MMEngine would list each one as an unexpected
    key. This hook removes them from the checkpoint before MMEngine loads
    it into a model without PFB, and says so in one line; into a PFB
    model it loads everything as usual.

    Add it to the parent's config, e.g. for ``tools/test.py``:
    ``custom_hooks = [dict(type='mmpfb.DropPFBStateHook')]``.

    Args:
        priority (int | str): Hook priority. Defaults to ``'NORMAL'``.
    """

    def __init__(self, priority='NORMAL') -> None:
        self.priority = priority

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Drop ``blocker.*`` from a checkpoint loaded into a model
        without PFB."""
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        state = checkpoint.get('state_dict', checkpoint)
        if isinstance(model, PFBModelMixin):
            return
        dropped = [k for k in state if k.startswith(PFB_STATE_PREFIX)]
        for key in dropped:
            del state[key]
        if dropped:
            print_log(
                f'Dropped the PFB training state from the checkpoint '
                f'({len(dropped)} keys under {PFB_STATE_PREFIX!r}: the '
                'density estimator, the random streams and the shallow_grad '
                'choice): '
                f'{type(model).__name__} trains and predicts without PFB; '
                'its own weights load as usual.',
                logger='current')


register_in_host_scopes('HOOKS', DropPFBStateHook)
