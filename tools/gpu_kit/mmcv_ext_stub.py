# Copyright (c) mmpfb contributors. All rights reserved.
"""A stand-in for ``mmcv._ext`` in an ops-less mmcv (``MMCV_WITH_OPS=0``).

tools/analysis_tools/gpu_checks.sh copies this file to ``mmcv/_ext.py``
when it builds mmcv without compiled ops. MMSegmentation 1.2.2 imports
``mmcv.ops`` at start-up (``mmseg/utils/mask_classification.py``,
``mmseg/models/losses/focal_loss.py``), and ``mmcv.ops`` asks
``mmcv._ext`` for every compiled function as it loads; the models the
checks run (DeepLabV3 and ResNet) call none of them. Here every name
exists, so the import passes, and calling one raises.
"""


def __getattr__(name: str):
    if name.startswith('__'):
        raise AttributeError(name)

    def not_compiled(*args, **kwargs):
        raise RuntimeError(
            f'mmcv._ext.{name}: this mmcv was built without compiled ops '
            '(MMCV_WITH_OPS=0, tools/analysis_tools/gpu_checks.sh); '
            'rerun the checks with --ops for them')

    not_compiled.__name__ = name
    return not_compiled
