# Copyright (c) mmpfb contributors. All rights reserved.
import os.path as osp

from setuptools import find_packages, setup


def get_version() -> str:
    """Read ``__version__`` from ``mmpfb/version.py`` without importing."""
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'mmpfb', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def get_long_description() -> str:
    with open(
            osp.join(osp.dirname(__file__), 'README.md'),
            encoding='utf-8') as f:
        return f.read()


setup(
    name='mmpfb',
    version=get_version(),
    description='Partial Forward Blocking (PFB) for OpenMMLab training',
    long_description=get_long_description(),
    long_description_content_type='text/markdown',
    keywords='data pruning, semantic segmentation, classification, openmmlab',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    python_requires='>=3.8',
    install_requires=[
        'torch>=2.0',
        'mmengine==0.10.7',
        'numpy>=2,<2.4',
        # torch needs >=77; setuptools 82 dropped pkg_resources, which
        # mmengine uses to resolve ``mmseg::`` config paths.
        'setuptools>=77.0.3,<82',
    ],
    extras_require={
        'seg': [
            'mmcv==2.1.0',
            'mmsegmentation==1.2.2',
            # imported by mmseg 1.2.2 at start-up but not declared by it
            'ftfy',
            'regex',
        ],
        'cls': [
            'mmcv==2.1.0',
            'mmpretrain==1.2.0',
        ],
        'tests': ['pytest'],
    },
    license='Apache License 2.0',
    zip_safe=False,
)
