"""Geometry of a tilted rotation axis: straightened sinograms and the axis fitted to them.

A rotation axis that is tilted in the detector plane crosses row ``r`` at column
``centre + (r - row) * tan(tilt)``. A slice of the sample is then not a detector row but
a line perpendicular to the axis; :func:`straighten` samples those lines (one cubic
interpolation) so that in every sinogram it returns, the axis is at column
``width // 2``, where scikit-image's ``iradon`` expects it. The centre found in such a
sinogram (e.g. with algotom's ``find_center_vo``) is mapped back to a point of the
detector with :func:`axis_points`, and :func:`fit_axis` fits the axis to those points.

Measuring the centre on plain detector rows underestimates the tilt when the sample
changes along the axis (its mirror image at 180 degrees comes from other heights), so
a template repeats straighten, find and fit until the tilt stops changing: at the fixed
point the sinograms are perpendicular to the true axis and the bias is gone.

Only numpy and scipy are needed, so the geometry is tested without the kernels.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from scipy import ndimage  # type: ignore[import-untyped]

Array = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class Axis:
    """A rotation axis on the detector: column ``centre`` at ``row``, ``tilt`` in degrees.

    Columns and rows are 0-based pixel indices; a positive tilt moves the axis to larger
    columns at larger rows.
    """

    centre: float
    row: float
    tilt: float = 0.0

    @property
    def slope(self) -> float:
        """Columns per row (``tan(tilt)``)."""
        return math.tan(math.radians(self.tilt))

    def centre_at(self, row: npt.ArrayLike) -> Array:
        """Column of the axis at ``row`` (array-like)."""
        return self.centre + (np.asarray(row, dtype=float) - self.row) * self.slope


@dataclasses.dataclass(frozen=True)
class AxisFit:
    """An axis fitted to points, with the standard errors of its parameters.

    Attributes
    ----------
    axis : Axis
        The fitted axis (its ``row`` is the mean row of the points).
    centre_error : float
        Standard error of ``axis.centre``, in pixels.
    tilt_error : float
        Standard error of ``axis.tilt``, in degrees.
    residuals : ndarray
        Column of each point minus the fitted axis, in pixels.
    """

    axis: Axis
    centre_error: float
    tilt_error: float
    residuals: Array


def slice_coordinates(axis: Axis, rows: npt.ArrayLike, width: int) -> tuple[Array, Array]:
    """Detector ``(row, column)`` coordinates of the slices through the axis at ``rows``.

    Each slice is the line perpendicular to the axis through its point at that row,
    sampled every pixel, with the axis at index ``width // 2``.

    Returns
    -------
    (ndarray, ndarray)
        Row and column coordinates, each ``(len(rows), width)``.
    """
    r = np.atleast_1d(np.asarray(rows, dtype=float))[:, None]
    s = (np.arange(width) - width // 2)[None, :]
    t = math.radians(axis.tilt)
    # the axis runs along (sin t, cos t) in (column, row); the slice along (cos t, -sin t)
    columns = axis.centre_at(r) + s * math.cos(t)
    return r - s * math.sin(t), columns


def straighten(
    projections: npt.ArrayLike, axis: Axis, rows: npt.ArrayLike, width: int | None = None
) -> Array:
    """Sinograms of the slices through the axis at ``rows``, axis at ``width // 2``.

    Parameters
    ----------
    projections : array-like
        ``(angles, rows, columns)`` stack (attenuation or transmission).
    axis : Axis
        The rotation axis on the detector.
    rows : array-like
        Detector rows where the slices meet the axis.
    width : int, optional
        Samples per slice (default: the detector's columns).

    Returns
    -------
    ndarray
        ``(len(rows), angles, width)``; outside the detector, the nearest edge value.
    """
    stack = np.asarray(projections, dtype=float)
    width = stack.shape[2] if width is None else width
    y, x = slice_coordinates(axis, rows, width)
    out = np.empty((y.shape[0], stack.shape[0], width))
    for k, image in enumerate(stack):
        coefficients = ndimage.spline_filter(image, order=3)
        out[:, k, :] = ndimage.map_coordinates(
            coefficients, (y, x), order=3, mode="nearest", prefilter=False
        )
    return out


def axis_points(
    axis: Axis, rows: npt.ArrayLike, found: npt.ArrayLike, width: int
) -> tuple[Array, Array]:
    """Detector ``(column, row)`` of the axis found at ``found`` in straightened sinograms.

    ``found`` are the centres (in columns of the sinograms :func:`straighten` returned
    for ``axis`` and ``rows``); where the assumed axis is right, they are ``width // 2``.
    """
    r = np.asarray(rows, dtype=float)
    s = np.asarray(found, dtype=float) - width // 2
    t = math.radians(axis.tilt)
    return axis.centre_at(r) + s * math.cos(t), r - s * math.sin(t)


def fit_axis(columns: npt.ArrayLike, rows: npt.ArrayLike) -> AxisFit:
    """Least-squares axis through points ``(column, row)`` (at least three).

    Returns
    -------
    AxisFit
        The axis at the points' mean row, and standard errors from the scatter.
    """
    x = np.asarray(columns, dtype=float)
    y = np.asarray(rows, dtype=float)
    if x.size < 3 or x.shape != y.shape:
        raise ValueError("fit_axis needs at least three (column, row) points")
    mean_row = float(y.mean())
    dy = y - mean_row
    spread = float(np.sum(dy**2))
    if spread == 0.0:
        raise ValueError("fit_axis needs points on different rows")
    slope = float(np.sum(dy * (x - x.mean())) / spread)
    centre = float(x.mean())
    residuals = x - (centre + slope * dy)
    variance = float(np.sum(residuals**2)) / (x.size - 2)
    slope_error = math.sqrt(variance / spread)
    return AxisFit(
        axis=Axis(centre=centre, row=mean_row, tilt=math.degrees(math.atan(slope))),
        centre_error=math.sqrt(variance / x.size),
        tilt_error=math.degrees(slope_error / (1.0 + slope**2)),
        residuals=residuals,
    )


@dataclasses.dataclass(frozen=True)
class Refinement:
    """What :func:`refine_axis` found.

    Attributes
    ----------
    axis : Axis
        The refined axis (its ``row`` is the mean of the rows searched).
    tilt_error, centre_error : float
        Standard errors of the last pass's fit, in degrees and pixels.
    columns, rows : ndarray
        Points of the axis found in the last pass, one per row searched.
    passes : list of AxisFit
        The fit of each pass.
    tilts : list of float
        The tilt each pass straightened with (0 for the first: plain detector rows).
    """

    axis: Axis
    tilt_error: float
    centre_error: float
    columns: Array
    rows: Array
    passes: list[AxisFit]
    tilts: list[float]


def refine_axis(
    projections: npt.ArrayLike,
    rows: Sequence[int] | npt.NDArray[np.int_],
    find_centre: Callable[[Array, int], float],
    axis: Axis,
    *,
    passes: int = 4,
) -> Refinement:
    """Find the centre on each row, fit the axis, straighten along it, and again.

    Each pass straightens the sinograms of ``rows`` with the current axis, finds the
    centre of each with ``find_centre(sinogram, pass_number)``, fits an axis to the
    points and adds the tilt it sees to the current one. With the first guess (tilt 0)
    the sinograms are plain detector rows. The passes stop when the tilt changes by
    less than its standard error.

    Parameters
    ----------
    projections : array-like
        ``(angles, rows, columns)`` attenuation images over 180 degrees.
    rows : sequence of int
        Detector rows where the centre is measured (three at least, spread out).
    find_centre : callable
        ``find_centre(sinogram, pass_number) -> column`` (e.g. algotom's
        ``find_center_vo``: a wide search in pass 0, a fine one near the middle after).
    axis : Axis
        First guess (the detector's middle column and tilt 0 when nothing is known).
    passes : int
        Most passes.

    Returns
    -------
    Refinement
    """
    if passes < 1:
        raise ValueError("refine_axis needs one pass at least")
    stack = np.asarray(projections, dtype=float)
    width = stack.shape[2]
    fits: list[AxisFit] = []
    tilts: list[float] = []
    for number in range(passes):
        sinograms = straighten(stack, axis, rows)
        found = [find_centre(sinogram, number) for sinogram in sinograms]
        columns, points = axis_points(axis, rows, found, width)
        fit = fit_axis(columns, points)
        fits.append(fit)
        tilts.append(axis.tilt)
        step = fit.axis.tilt - axis.tilt
        axis = Axis(fit.axis.centre, fit.axis.row, axis.tilt + step)
        if number > 0 and abs(step) < fit.tilt_error:
            break
    return Refinement(
        axis=axis,
        tilt_error=fits[-1].tilt_error,
        centre_error=fits[-1].centre_error,
        columns=columns,
        rows=points,
        passes=fits,
        tilts=tilts,
    )


def field_of_view(axis: Axis, columns: int, rows: npt.ArrayLike) -> float:
    """Radius (pixels) around the axis that the detector saw at every angle, for ``rows``."""
    centres = axis.centre_at(rows)
    return float(np.min(np.minimum(centres, columns - 1 - centres)))


def circle_mask(size: int, radius: float) -> npt.NDArray[np.bool_]:
    """``size`` x ``size`` mask of the pixels within ``radius`` of pixel ``size // 2``."""
    offset = np.arange(size) - size // 2
    return np.asarray(np.hypot(offset[None, :], offset[:, None]) <= radius)
