"""Line profiles and rectangular ROI statistics on full-resolution prepared frames."""

from __future__ import annotations

import math
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from panhub_nexus.core.frames import Validity, get_valid
from panhub_nexus.core.render import Region, clip_region


class RoiStats(TypedDict):
    """Statistics of the valid pixels of a rectangle (JSON-serialisable)."""

    region: list[int]
    n_pixels: int
    n_valid: int
    sum: float
    mean: float
    std: float
    min: float
    max: float
    argmax: list[int]


def get_roi_stats(frame: npt.NDArray[Any], validity: Validity, region: Region) -> RoiStats:
    """Statistics of `region` of `frame` over valid pixels only.

    ``mean``, ``std``, ``min`` and ``max`` are NaN and ``argmax`` is ``[-1, -1]`` when
    no pixel is valid. ``argmax`` is in frame coordinates.
    """
    y0, y1, x0, x1 = clip_region(region, (frame.shape[0], frame.shape[1]))
    view = frame[y0:y1, x0:x1]
    valid = get_valid(view, validity)
    values = view[valid].astype(np.float64)
    stats = RoiStats(
        region=[y0, y1, x0, x1], n_pixels=int(view.size), n_valid=int(values.size),
        sum=float(values.sum()), mean=math.nan, std=math.nan, min=math.nan, max=math.nan,
        argmax=[-1, -1],
    )  # fmt: skip
    if values.size:
        masked = np.where(valid, view.astype(np.float64), -np.inf)
        flat = int(np.argmax(masked))
        stats["mean"] = float(values.mean())
        stats["std"] = float(values.std())
        stats["min"] = float(values.min())
        stats["max"] = float(values.max())
        stats["argmax"] = [y0 + flat // view.shape[1], x0 + flat % view.shape[1]]
    return stats


def get_line_profile(
    frame: npt.NDArray[Any],
    validity: Validity,
    start: tuple[float, float],
    end: tuple[float, float],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Values along the segment `start` -> `end` (``(y, x)``), one sample per pixel step.

    Samples are nearest-neighbour (no interpolation across gaps); invalid pixels and
    samples outside the frame are NaN.

    Returns
    -------
    (distance, values)
        Distance from `start` in pixels, and the values.
    """
    (ya, xa), (yb, xb) = start, end
    length = math.hypot(yb - ya, xb - xa)
    n = max(math.floor(length) + 1, 1)
    t = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
    ys = np.rint(ya + t * (yb - ya)).astype(np.intp)
    xs = np.rint(xa + t * (xb - xa)).astype(np.intp)
    inside = (ys >= 0) & (ys < frame.shape[0]) & (xs >= 0) & (xs < frame.shape[1])
    values = np.full(n, np.nan)
    picked = frame[ys[inside], xs[inside]]
    values[inside] = np.where(get_valid(picked, validity), picked.astype(np.float64), np.nan)
    return t * length, values


def get_pixel(frame: npt.NDArray[Any], validity: Validity, y: int, x: int) -> float | None:
    """Value of pixel ``(y, x)``; None if outside the frame or invalid."""
    if not (0 <= y < frame.shape[0] and 0 <= x < frame.shape[1]):
        return None
    value = frame[y, x]
    if not bool(get_valid(np.asarray(value), validity)):
        return None
    return float(value)
