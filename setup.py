# Copyright (c) mmpfb contributors. All rights reserved.
import glob
import os
import os.path as osp

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = osp.dirname(osp.abspath(__file__))

# What the wheel ships in mmpfb/.mim, as OpenMMLab packages do (paths and
# globs relative to the repository root; MANIFEST.in puts them in the
# sdist). MMEngine resolves ``_base_ = 'mmpfb::pfb/<name>.py'`` to
# mmpfb/.mim/configs/pfb/<name>.py and reads mmpfb/.mim/model-index.yml;
# ``mim search mmpfb`` reads the index and ``mim train mmpfb`` runs
# mmpfb/.mim/tools/train.py. tools/run_demo.py and the study write into
# the repository, and tools/setup_env.sh and tools/run_tests.sh set up a
# clone, so they stay out.
MIM_FILES = [
    'model-index.yml',
    'configs/**/*.py',
    'configs/**/*.yml',
    'tools/train.py',
    'tools/test.py',
    'tools/dist_train.sh',
    'tools/dist_test.sh',
    'tools/slurm_train.sh',
    'tools/slurm_test.sh',
    'tools/analysis_tools/benchmark_pfb.py',
    'tools/analysis_tools/plot_pfb_log.py',
]


# What an editable install links into mmpfb/.mim of the source tree (as
# OpenMMLab packages do in develop mode), so that ``mmpfb::`` configs
# resolve there as in a wheel.
MIM_LINKS = ['model-index.yml', 'configs', 'tools']


class BuildPyWithMim(build_py):
    """``build_py`` that also puts :data:`MIM_FILES` into ``mmpfb/.mim``.

    A wheel gets copies in its build directory. An editable install
    builds nothing: it gets links from the source tree's ``mmpfb/.mim``
    (ignored by git) to :data:`MIM_LINKS` instead.
    """

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            self.link_mim()
        else:
            self.copy_mim()

    def link_mim(self) -> None:
        mim = osp.join(ROOT, 'mmpfb', '.mim')
        os.makedirs(mim, exist_ok=True)
        for name in MIM_LINKS:
            link = osp.join(mim, name)
            if osp.lexists(link):
                os.remove(link)
            os.symlink(osp.join('..', '..', name), link)

    def copy_mim(self) -> None:
        for pattern in MIM_FILES:
            sources = glob.glob(osp.join(ROOT, pattern), recursive=True)
            if not sources:
                raise FileNotFoundError(
                    f'MIM_FILES pattern {pattern!r} matches no file')
            for src in sources:
                dst = osp.join(self.build_lib, 'mmpfb', '.mim',
                               osp.relpath(src, ROOT))
                self.mkpath(osp.dirname(dst))
                self.copy_file(src, dst)


def get_version() -> str:
    """Read ``__version__`` from ``mmpfb/version.py`` without importing."""
    scope = {}
    with open(osp.join(ROOT, 'mmpfb', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def get_long_description() -> str:
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        return f.read()


# Ranges, not pins: what the test suite passes on (the stacks of
# requirements/stacks/, README "Compatibility"); an environment that has
# these already is left as it is. mmcv < 2.2 as MMSegmentation 1.x asks.
MMCV = 'mmcv>=2.0.0rc4,<2.2.0'
EXTRAS = {
    'seg': [
        MMCV,
        'mmsegmentation>=1.0.0,<2.0.0',
        # imported by mmseg 1.2.2 at start-up but not declared by it
        'ftfy',
        'regex',
    ],
    'cls': [MMCV, 'mmpretrain>=1.0.0,<2.0.0'],
    # MMEngine's TensorboardVisBackend writes through
    # torch.utils.tensorboard, which needs the tensorboard package
    'tensorboard': ['tensorboard'],
    'tests': ['pytest'],
}
EXTRAS['all'] = sorted(
    set(EXTRAS['seg'] + EXTRAS['cls'] + EXTRAS['tensorboard']))

setup(
    name='mmpfb',
    version=get_version(),
    description='Partial Forward Blocking (PFB) for OpenMMLab training',
    long_description=get_long_description(),
    long_description_content_type='text/markdown',
    keywords='data pruning, semantic segmentation, classification, openmmlab',
    packages=find_packages(include=('mmpfb', 'mmpfb.*')),
    python_requires='>=3.11,<3.12',
    install_requires=[
        'torch>=2.1,<2.14',
        'mmengine>=0.10.0,<0.11.0',
        'numpy>=1.26,<2.4',
        # mmengine 0.10 (mmengine.utils.package_utils) imports
        # pkg_resources at run time to find installed OpenMMLab packages
        # (``mmseg::`` configs, ``mim``); setuptools 82 removed it.
        'setuptools<82',
    ],
    extras_require=EXTRAS,
    cmdclass={'build_py': BuildPyWithMim},
    license='Apache License 2.0',
    zip_safe=False,
)
