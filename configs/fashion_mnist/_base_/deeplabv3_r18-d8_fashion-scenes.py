# The demo's small DeepLabV3 (ResNetV1c-18 at a quarter width, output
# stride 8, FCN auxiliary head on stage 3) for the 128x128 Fashion-MNIST
# scenes, trained on 96x96 crops: 11 classes (background + 10 garments),
# grey images loaded as three equal channels, ASPP dilations for the
# 12x12 to 16x16 feature maps.
_base_ = ['../../demo/_base_/deeplabv3_r18-d8_demo.py']

data_preprocessor = dict(
    # the scenes' grey level, the same in all three channels
    mean=[87.0, 87.0, 87.0],
    std=[47.0, 47.0, 47.0],
    bgr_to_rgb=False,
    # the training crops; test scenes are whole 128x128 images
    size=(96, 96))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(dilations=(1, 2, 4, 6), num_classes=11),
    auxiliary_head=dict(num_classes=11))
