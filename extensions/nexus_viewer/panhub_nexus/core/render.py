"""From a prepared frame to the bytes of one image update."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from panhub_nexus.core.downsample import get_factor, pool_max, split_rows
from panhub_nexus.core.encode import compress_band
from panhub_nexus.core.frames import Validity
from panhub_nexus.core.scale import AutoscaleMode, Norm, get_range, make_indices

Region = tuple[int, int, int, int]
"""``(y0, y1, x0, x1)``, half-open, in source pixels."""
N_BANDS = 2
"""Bands of rows rendered on parallel threads (numpy and zlib release the GIL)."""
PARALLEL_PIXELS = 1 << 20
"""Regions of at least this many source pixels are rendered in :data:`N_BANDS` bands."""
_POOL = ThreadPoolExecutor(max_workers=N_BANDS, thread_name_prefix="panhub-render")
RAW_PIXELS = 1 << 18
"""Images of at most this many displayed pixels travel uncompressed (1 byte per pixel,
at most 256 KB): inflating them costs the browser more time than the bytes save."""


@dataclasses.dataclass(frozen=True)
class DisplaySettings:
    """How values become colours.

    Attributes
    ----------
    norm : str
        ``linear``, ``log`` or ``sqrt``.
    autoscale : str
        ``percentile``, ``minmax``, ``stddev3`` or ``fixed``.
    percentiles : (float, float)
        Used by ``percentile``.
    vmin, vmax : float or None
        Used by ``fixed``.
    """

    norm: Norm = "linear"
    autoscale: AutoscaleMode = "percentile"
    percentiles: tuple[float, float] = (0.1, 99.9)
    vmin: float | None = None
    vmax: float | None = None


@dataclasses.dataclass(frozen=True)
class RenderedImage:
    """One image update: colour indices at display resolution and their encoding.

    Attributes
    ----------
    indices : (h, w) uint8 array
        Colour indices (255 = invalid).
    payloads : tuple of bytes
        Bands of rows of `indices`, zlib-compressed or raw: what travels to the browser.
    region : Region
        Source region shown.
    factor : int
        Source pixels per displayed pixel along each axis.
    vmin, vmax : float
        Colour range used.
    encoding : str
        ``zlib`` or ``raw`` (see :data:`RAW_PIXELS`).
    """

    indices: npt.NDArray[np.uint8]
    payloads: tuple[bytes, ...]
    region: Region
    factor: int
    vmin: float
    vmax: float
    encoding: str = "zlib"

    @property
    def shape(self) -> tuple[int, int]:
        """Displayed shape (rows, columns)."""
        return (int(self.indices.shape[0]), int(self.indices.shape[1]))

    @property
    def bytes_per_pixel(self) -> float:
        """Payload bytes per displayed pixel."""
        return self.n_bytes / max(self.indices.size, 1)

    @property
    def n_bytes(self) -> int:
        """Payload bytes of this update."""
        return sum(len(p) for p in self.payloads)


def clip_region(region: Region | None, shape: tuple[int, int]) -> Region:
    """Clip `region` to a frame of `shape`; ``None`` means the whole frame.

    A region is at least one pixel wide along each axis.
    """
    h, w = shape
    if region is None:
        return (0, h, 0, w)
    y0, y1, x0, x1 = (int(v) for v in region)
    y0 = min(max(y0, 0), h - 1)
    x0 = min(max(x0, 0), w - 1)
    return (y0, min(max(y1, y0 + 1), h), x0, min(max(x1, x0 + 1), w))


def render(
    frame: npt.NDArray[Any],
    validity: Validity,
    settings: DisplaySettings,
    display_shape: tuple[int, int],
    region: Region | None = None,
) -> RenderedImage:
    """Downsample, autoscale, colour-index and encode one prepared frame.

    Parameters
    ----------
    frame : 2D array
        Prepared frame (invalid pixels marked, see :mod:`panhub_nexus.core.frames`).
    validity : str
        Validity rule of `frame`.
    settings : DisplaySettings
        Normalisation and autoscale.
    display_shape : (int, int)
        Size of the drawing area in device pixels; the image is pooled to fit.
    region : Region, optional
        Zoomed source region; the whole frame by default.
    """
    y0, y1, x0, x1 = clip_region(region, (frame.shape[0], frame.shape[1]))
    view = frame[y0:y1, x0:x1]
    factor = get_factor((y1 - y0, x1 - x0), display_shape)
    fixed = None
    if settings.vmin is not None and settings.vmax is not None:
        fixed = (settings.vmin, settings.vmax)
    # Autoscale on the source pixels (sparse subsample), not on block maxima, which
    # would be biased upwards.
    lo, hi = get_range(
        view, validity, settings.autoscale, percentiles=settings.percentiles, fixed=fixed,
        norm=settings.norm,
    )  # fmt: skip

    shape = (-(-(y1 - y0) // factor), -(-(x1 - x0) // factor))
    raw = shape[0] * shape[1] <= RAW_PIXELS

    def band(rows: tuple[int, int]) -> tuple[npt.NDArray[np.uint8], bytes]:
        small = pool_max(view[rows[0] : rows[1]], factor, parallel=False)
        indices = make_indices(small, validity, lo, hi, settings.norm)
        return indices, indices.tobytes() if raw else compress_band(indices)

    n_bands = N_BANDS if view.size >= PARALLEL_PIXELS else 1
    bands = split_rows(view.shape[0], factor, n_bands)
    parts = list(_POOL.map(band, bands)) if len(bands) > 1 else [band(bands[0])]
    indices = parts[0][0] if len(parts) == 1 else np.concatenate([p[0] for p in parts])
    payloads = tuple(p[1] for p in parts)
    encoding = "raw" if raw else "zlib"
    return RenderedImage(indices, payloads, (y0, y1, x0, x1), factor, lo, hi, encoding)
