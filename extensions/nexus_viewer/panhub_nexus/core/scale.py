"""Robust autoscale and the mapping of values to 8-bit colour indices.

Indices 0..254 are colours (``floor(u * 255)`` clipped to 254, where ``u`` is the
normalised value in [0, 1]); index 255 means invalid (gap, masked, NaN or inf).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from panhub_nexus.core.frames import Validity, get_valid

Norm = Literal["linear", "log", "sqrt"]
AutoscaleMode = Literal["percentile", "minmax", "stddev3", "fixed"]
NORMS: tuple[str, ...] = ("linear", "log", "sqrt")
AUTOSCALE_MODES: tuple[str, ...] = ("percentile", "minmax", "stddev3", "fixed")
INVALID_INDEX = 255
N_COLOURS = 255
MAX_SAMPLES = 65536
MAX_LUT = 1 << 22
Array = npt.NDArray[Any]


def sample_valid(a: Array, validity: Validity, max_samples: int = MAX_SAMPLES) -> Array:
    """Valid values of a regular sparse subsample of `a` (at most `max_samples`)."""
    step = max(1, math.ceil(math.sqrt(a.size / max_samples)))
    sub = a[::step, ::step] if a.ndim == 2 else a[::step]
    return sub[get_valid(sub, validity)]


def get_range(
    a: Array,
    validity: Validity,
    mode: AutoscaleMode = "percentile",
    *,
    percentiles: tuple[float, float] = (0.1, 99.9),
    fixed: tuple[float, float] | None = None,
    norm: Norm = "linear",
) -> tuple[float, float]:
    """Colour range of `a`, ignoring invalid pixels.

    Parameters
    ----------
    a : array
        Prepared frame or pooled image.
    validity : str
        Validity rule of `a`.
    mode : str
        ``percentile`` (of a sparse subsample, the default: a few hot pixels do not
        wash out the image), ``minmax`` (exact, over every valid pixel), ``stddev3``
        (mean +- 3 std of the subsample), or ``fixed`` (`fixed`).
    norm : str
        With ``log``, the lower bound is raised to the smallest positive value.

    Returns
    -------
    (float, float)
        ``(vmin, vmax)`` with ``vmin < vmax``.
    """
    if mode == "fixed":
        if fixed is None:
            raise ValueError("fixed autoscale needs a (vmin, vmax) range")
        lo, hi = float(fixed[0]), float(fixed[1])
    elif mode == "minmax":
        valid = a[get_valid(a, validity)]
        if norm == "log":
            valid = valid[valid > 0]
        lo, hi = (float(valid.min()), float(valid.max())) if valid.size else (0.0, 1.0)
    else:
        sample = sample_valid(a, validity).astype(np.float64)
        if norm == "log":
            sample = sample[sample > 0]
        if sample.size == 0:
            lo, hi = 0.0, 1.0
        elif mode == "stddev3":
            mean, std = float(sample.mean()), float(sample.std())
            lo, hi = max(mean - 3 * std, float(sample.min())), mean + 3 * std
        else:
            lo, hi = (float(v) for v in np.percentile(sample, percentiles))
    return _fix_range(lo, hi, norm)


def _fix_range(lo: float, hi: float, norm: Norm) -> tuple[float, float]:
    if norm == "log" and lo <= 0:
        lo = hi / 1e3 if hi > 0 else 1.0
        hi = max(hi, lo * 10)
    if not hi > lo:
        if norm == "log":
            lo = hi / 10.0
        else:
            hi = lo + 1.0
    return lo, hi


def normalize(values: Array, lo: float, hi: float, norm: Norm) -> npt.NDArray[np.float64]:
    """Normalised float64 values: 0 at `lo`, 1 at `hi` (not clipped)."""
    v = values.astype(np.float64)
    if norm == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log10(np.where(v > 0, v, lo)) - math.log10(lo)) / (
                math.log10(hi) - math.log10(lo)
            )
    if norm == "sqrt":
        base = math.sqrt(max(lo, 0.0))
        return (np.sqrt(np.maximum(v, 0.0)) - base) / (math.sqrt(max(hi, 0.0)) - base)
    return (v - lo) / (hi - lo)


def _to_index(u: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    with np.errstate(invalid="ignore"):
        return np.clip(np.floor(u * N_COLOURS), 0, N_COLOURS - 1).astype(np.uint8)


def _fits_lut(dtype: np.dtype[Any], first: int, last: int) -> bool:
    info = np.iinfo(dtype)
    return last - first <= MAX_LUT and info.min <= first and last <= info.max


def make_indices(a: Array, validity: Validity, lo: float, hi: float, norm: Norm) -> Array:
    """Map `a` to uint8 colour indices (255 on invalid pixels).

    Integer data goes through a lookup table over ``[floor(lo), ceil(hi)]``, several
    times faster than float arithmetic; other data through :func:`normalize`.
    """
    valid = get_valid(a, validity)
    first, last = math.floor(lo), math.ceil(hi)
    if a.dtype.kind in "iu" and _fits_lut(a.dtype, first, last):
        lut = _to_index(normalize(np.arange(first, last + 1), lo, hi, norm))
        index = np.clip(a, first, last)
        index -= first
        out: Array = lut[index]
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            out = _to_index(normalize(a, lo, hi, norm))
    out[~valid] = INVALID_INDEX
    return out
