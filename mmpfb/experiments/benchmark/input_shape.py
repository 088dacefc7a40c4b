# Copyright (c) mmpfb contributors. All rights reserved.
"""The input shape a config trains on, read from the config itself."""
from typing import Iterator, NamedTuple, Optional, Sequence, Tuple

from mmengine.config import Config

from mmpfb.utils.arg_checks import check_int

# train-pipeline transforms whose argument is the training crop
CROP_TRANSFORMS = (('RandomCrop', 'crop_size'), ('RandomResizedCrop', 'scale'),
                   ('CenterCrop', 'crop_size'), ('Resize', 'scale'))
# backbone arguments that give the training image size
BACKBONE_SIZES = ('img_size', 'pretrain_img_size')


class InputShape(NamedTuple):
    """Channels, height and width of one input image."""
    channels: int
    height: int
    width: int


def _pair(value, name: str) -> Tuple[int, int]:
    if isinstance(value, int):
        return value, value
    if isinstance(value, Sequence) and len(value) == 2 and all(
            isinstance(v, int) for v in value):
        return tuple(value)
    raise ValueError(f'{name} must be an int or a pair of ints (h, w), '
                     f'but got {value!r}')


def _strip_scope(name: str) -> str:
    return name.rsplit('.', 1)[-1]


def _datasets(dataset: dict) -> Iterator[dict]:
    """The dataset and those it wraps (``RepeatDataset``,
    ``ConcatDataset``, ...)."""
    yield dataset
    inner = dataset.get('dataset')
    if isinstance(inner, dict):
        yield from _datasets(inner)
    for inner in dataset.get('datasets', ()):
        if isinstance(inner, dict):
            yield from _datasets(inner)


def _pipeline_crop(cfg: Config) -> Optional[Tuple[int, int]]:
    loader = cfg.get('train_dataloader')
    if not isinstance(loader, dict) or not isinstance(
            loader.get('dataset'), dict):
        return None
    for dataset in _datasets(loader['dataset']):
        for transform in reversed(dataset.get('pipeline', [])):
            for name, key in CROP_TRANSFORMS:
                if _strip_scope(transform.get('type', '')) == name and \
                        key in transform:
                    return _pair(transform[key], f'{name}.{key}')
    return None


def _crop(cfg: Config) -> Optional[Tuple[int, int]]:
    model = cfg.model
    size = (model.get('data_preprocessor') or {}).get('size')
    if size is not None:
        return _pair(size, 'model.data_preprocessor.size')
    crop = _pipeline_crop(cfg)
    if crop is not None:
        return crop
    backbone = model.get('backbone') or {}
    for key in BACKBONE_SIZES:
        if isinstance(backbone.get(key), (int, list, tuple)):
            return _pair(backbone[key], f'model.backbone.{key}')
    return None


def _channels(cfg: Config) -> int:
    model = cfg.model
    channels = (model.get('backbone') or {}).get('in_channels')
    if channels is None:
        mean = (model.get('data_preprocessor') or {}).get('mean')
        channels = 3 if mean is None else len(mean)
    check_int('model.backbone.in_channels', channels, 1)
    return channels


def input_shape_from_config(cfg: Config,
                            crop: Optional[Sequence[int]] = None,
                            channels: Optional[int] = None) -> InputShape:
    """The shape of one training input of ``cfg``'s model.

    Channels come from ``model.backbone.in_channels``, else from the
    length of ``model.data_preprocessor.mean``, else 3. The crop comes
    from ``model.data_preprocessor.size`` (MMSegmentation), else from the
    last crop or resize of the train pipeline (``RandomCrop.crop_size``,
    ``RandomResizedCrop.scale``, ``CenterCrop.crop_size``,
    ``Resize.scale``), else from the backbone's ``img_size`` or
    ``pretrain_img_size``.

    Args:
        cfg (Config): A training config.
        crop (Sequence[int], optional): ``(H, W)`` that overrides the
            config's. Defaults to None.
        channels (int, optional): Channels that override the config's.
            Defaults to None.

    Returns:
        InputShape: ``(channels, height, width)``.

    Raises:
        ValueError: When the config gives no crop and none is passed.
    """
    if crop is None:
        crop = _crop(cfg)
    if crop is None:
        raise ValueError(
            f'cannot find the input size of {cfg.filename}: no '
            'model.data_preprocessor.size, no crop or resize in '
            'train_dataloader.dataset.pipeline and no backbone img_size; '
            'pass the crop (--crop H W)')
    height, width = _pair(tuple(crop), 'crop')
    return InputShape(
        _channels(cfg) if channels is None else channels, height, width)
