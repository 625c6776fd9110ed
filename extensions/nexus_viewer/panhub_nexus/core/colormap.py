"""Palettes: silx colormaps sampled to 255 colours, plus one colour for invalid pixels."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from silx.math.colormap import get_colormap_lut, get_registered_colormaps

INVALID_RGBA = (0, 0, 0, 0)
"""Invalid pixels are transparent: the page shows a neutral pattern behind them."""


def get_colormap_names() -> tuple[str, ...]:
    """Names accepted by :func:`make_palette` (silx's registered colormaps)."""
    return tuple(get_registered_colormaps())


def make_palette(name: str) -> npt.NDArray[np.uint8]:
    """RGBA palette (256, 4): entries 0..254 span colormap `name`, 255 is invalid.

    Raises
    ------
    ValueError
        If `name` is not a registered silx colormap.
    """
    if name not in get_colormap_names():
        raise ValueError(f"unknown colormap {name!r}; choose one of {get_colormap_names()}")
    lut = np.asarray(get_colormap_lut(name), dtype=np.uint8)
    if lut.shape[1] == 3:
        lut = np.concatenate([lut, np.full((lut.shape[0], 1), 255, np.uint8)], axis=1)
    picks = np.round(np.linspace(0, lut.shape[0] - 1, 255)).astype(np.intp)
    palette = np.empty((256, 4), np.uint8)
    palette[:255] = lut[picks]
    palette[255] = INVALID_RGBA
    return palette
