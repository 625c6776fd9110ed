"""1D data: read in blocks, decimate with min/max per bin (peaks kept), bounded memory."""

from __future__ import annotations

import dataclasses
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus.core.downsample import decimate_minmax
from panhub_nexus.core.files import ViewerError, describe_read_error

Floats = npt.NDArray[np.float64]
BLOCK = 1 << 20
"""Points read at a time: memory stays bounded whatever the dataset length."""
MAX_WINDOW = 1 << 24
"""At most this many points are scanned per update; longer curves show a window."""


@dataclasses.dataclass(frozen=True)
class CurveData:
    """What a curve update shows.

    Attributes
    ----------
    x, y : float64 arrays
        Kept points (all of them, or min/max per bin).
    errors : float64 array or None
        Errors of the kept points.
    x_errors : float64 array or None
        Resolutions or errors of the x axis at the kept points.
    auxiliary : tuple of float64 arrays
        Auxiliary signals at the kept points.
    index : intp array
        Indices of the kept points in the dataset.
    start, stop, total : int
        Window scanned, and the full length.
    """

    x: Floats
    y: Floats
    errors: Floats | None
    x_errors: Floats | None
    auxiliary: tuple[Floats, ...]
    index: npt.NDArray[np.intp]
    start: int
    stop: int
    total: int

    @property
    def is_decimated(self) -> bool:
        """True when fewer points are shown than the window holds."""
        return int(self.index.size) < self.stop - self.start


def _read_block(dset: h5py.Dataset | Floats, lead: tuple[int, ...], s: int, e: int) -> Floats:
    index: tuple[Any, ...] = (*lead, slice(s, e))
    try:
        block = np.asarray(dset[index])
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        if not isinstance(dset, h5py.Dataset):
            raise
        raise ViewerError(describe_read_error(dset, exc)) from exc
    if block.dtype.kind == "c":
        block = np.abs(block)
    return block.astype(np.float64)


def _read_axis(axis: h5py.Dataset | Floats | None, n: int, s: int, e: int) -> Floats:
    if axis is None:
        return np.arange(s, e, dtype=np.float64)
    values = _read_block(axis, (), s, e + 1 if axis.shape[0] == n + 1 else e)
    if values.shape[0] == e - s + 1:  # bin edges -> centres
        values = 0.5 * (values[:-1] + values[1:])
    return values


def read_curve(
    signal: h5py.Dataset,
    *,
    axis: h5py.Dataset | Floats | None = None,
    errors: h5py.Dataset | None = None,
    x_errors: h5py.Dataset | None = None,
    auxiliary: tuple[h5py.Dataset, ...] = (),
    frame: tuple[int, ...] = (),
    window: tuple[int, int] | None = None,
    n_bins: int = 2048,
) -> CurveData:
    """Read one curve (the last dim of `signal` at leading index `frame`).

    Parameters
    ----------
    signal, axis, errors, x_errors, auxiliary : h5py.Dataset
        Signal, its x axis (values or N+1 edges), errors, the axis's resolutions or
        errors (1D, one per value) and auxiliary signals; all share the signal's shape
        except the axis and its errors.
    frame : tuple of int
        Index of the leading dims (for stacks of spectra).
    window : (int, int), optional
        Range of points; the first :data:`MAX_WINDOW` points by default.
    n_bins : int
        Above ``2 * n_bins`` points, keep the min and max of each bin.
    """
    n = int(signal.shape[-1])
    start, stop = window if window is not None else (0, n)
    start = min(max(int(start), 0), max(n - 1, 0))
    stop = min(max(int(stop), start + 1), n, start + MAX_WINDOW)
    xs: list[Floats] = []
    ys: list[Floats] = []
    es: list[Floats] = []
    xes: list[Floats] = []
    aux: list[list[Floats]] = [[] for _ in auxiliary]
    idx: list[npt.NDArray[np.intp]] = []
    for s in range(start, stop, BLOCK):
        e = min(s + BLOCK, stop)
        y = _read_block(signal, frame, s, e)
        x = _read_axis(axis, n, s, e)
        bins = max(1, round(n_bins * (e - s) / (stop - start)))
        xk, yk, keep = decimate_minmax(x, y, bins)
        xs.append(xk)
        ys.append(yk)
        idx.append(keep + s)
        if errors is not None:
            es.append(_read_block(errors, frame, s, e)[keep])
        if x_errors is not None:
            xes.append(_read_block(x_errors, (), s, e)[keep])
        for i, a in enumerate(auxiliary):
            aux[i].append(_read_block(a, frame, s, e)[keep])
    return CurveData(
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        errors=np.concatenate(es) if errors is not None else None,
        x_errors=np.concatenate(xes) if x_errors is not None else None,
        auxiliary=tuple(np.concatenate(a) for a in aux),
        index=np.concatenate(idx),
        start=start,
        stop=stop,
        total=n,
    )
