# Full-data twin of the PFB demo config: a small DeepLabV3-R18-D8 trained
# from scratch on the generated demo dataset (data/demo_voc, see
# mmpfb.experiments.datasets.generate_demo_voc), 1 process x 8 images on a CPU.
_base_ = [
    './_base_/schedule_adamw-poly_2k.py', './_base_/deeplabv3_r18-d8_demo.py',
    './_base_/demo_voc_64x64.py'
]
