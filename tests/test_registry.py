# Copyright (c) mmpfb contributors. All rights reserved.
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip('mmseg')


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, '-c', textwrap.dedent(code)],
        capture_output=True,
        text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_scoped_name_needs_no_import_of_mmpfb():
    out = run_python('''
        import sys
        from mmengine.registry import MODELS, init_default_scope
        init_default_scope('mmseg')
        assert 'mmpfb' not in sys.modules
        cls = MODELS.get('mmpfb.PFBEncoderDecoder')
        print(cls.__module__)
    ''')
    assert 'mmpfb.models.segmentors' in out


def test_import_mmpfb_imports_no_host_library():
    out = run_python('''
        import sys
        import mmpfb
        print(sorted(name for name in ('mmseg', 'mmpretrain', 'mmcv', 'torch')
                     if name in sys.modules))
    ''')
    assert out.strip() == '[]'


def test_register_all_modules_registers_unscoped_names_in_hosts():
    out = run_python('''
        from mmpfb.utils import register_all_modules
        register_all_modules()
        from mmseg.registry import HOOKS, MODELS
        from mmpretrain.registry import MODELS as CLS_MODELS
        print(MODELS.get('PFBEncoderDecoder').__name__,
              HOOKS.get('PFBHook').__name__,
              CLS_MODELS.get('PFBImageClassifier').__name__)
    ''')
    assert out.split() == [
        'PFBEncoderDecoder', 'PFBHook', 'PFBImageClassifier'
    ]


@pytest.mark.parametrize('type_',
                         ['PFBEncoderDecoder', 'mmpfb.PFBEncoderDecoder'])
def test_names_build_after_custom_imports(tmp_path, type_):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text("custom_imports = dict(imports=['mmpfb.models'])\n"
                   "default_scope = 'mmseg'\n")
    out = run_python(f'''
        from mmengine.config import Config
        from mmengine.registry import MODELS, init_default_scope
        cfg = Config.fromfile({str(cfg)!r})
        init_default_scope(cfg.default_scope)
        from mmpfb.experiments.testing.segmentation import tiny_segmentor_cfg
        model_cfg = tiny_segmentor_cfg(pfb=dict(block_stage=3))
        model_cfg['type'] = {type_!r}
        print(type(MODELS.build(model_cfg)).__name__)
    ''')
    assert out.strip() == 'PFBEncoderDecoder'


def test_import_with_mmseg_missing():
    out = run_python('''
        import sys
        sys.modules['mmseg'] = None  # as if it were not installed
        import mmpfb
        from mmpfb.models import AdaptiveDensityEstimator
        import mmpfb.models as models
        print(hasattr(models, 'PFBEncoderDecoder'), mmpfb.__version__)
    ''')
    assert out.startswith('False ')
