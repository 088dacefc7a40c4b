# Full-data twin of the PFB config: OCRNet on a ResNetV1c-50-D8 (mmseg's
# model base; its leaf configs use R-101) on Cityscapes, 4 GPUs x 2 images,
# mmseg's 40k schedule, composed as mmseg's own OCRNet leaf configs are.
_base_ = [
    'mmseg::_base_/models/ocrnet_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py', 'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_40k.py'
]
crop_size = (512, 1024)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor)
