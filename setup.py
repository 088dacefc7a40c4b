# Copyright (c) mmpfb contributors. All rights reserved.
import glob
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
    'tools/analysis_tools/benchmark_pfb.py',
    'tools/analysis_tools/plot_pfb_log.py',
]


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` into ``mmpfb/.mim``.

    The copies go to the build directory only, never into the source
    tree. An editable install builds nothing, so it has no ``.mim``.
    """

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
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


MMCV = 'mmcv==2.1.0'
EXTRAS = {
    'seg': [
        MMCV,
        'mmsegmentation==1.2.2',
        # imported by mmseg 1.2.2 at start-up but not declared by it
        'ftfy',
        'regex',
    ],
    'cls': [MMCV, 'mmpretrain==1.2.0'],
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
    python_requires='>=3.8',
    install_requires=[
        'torch>=2.0',
        'mmengine==0.10.7',
        'numpy>=2,<2.4',
        # torch needs >=77; setuptools 82 dropped pkg_resources, which
        # mmengine uses to resolve ``mmseg::`` config paths.
        'setuptools>=77.0.3,<82',
    ],
    extras_require=EXTRAS,
    cmdclass={'build_py': BuildPyWithMim},
    license='Apache License 2.0',
    zip_safe=False,
)
