"""Geometry of a tilted rotation axis: straightening, axis points, the fit, the passes."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from panhub_nexus.reduce import tomo
from panhub_nexus.synthetic.tomo import project_phantom
from scipy import ndimage

ANGLES = np.linspace(0.0, 180.0, 60, endpoint=False)


def test_axis_column_moves_by_tan_tilt_per_row() -> None:
    axis = tomo.Axis(centre=50.0, row=10.0, tilt=45.0)
    np.testing.assert_allclose(axis.centre_at([10, 11, 0]), [50.0, 51.0, 40.0])
    assert axis.slope == pytest.approx(1.0)


def test_slices_cross_the_axis_at_their_row_perpendicular_to_it() -> None:
    axis = tomo.Axis(centre=40.3, row=12.0, tilt=3.0)
    rows, columns = tomo.slice_coordinates(axis, [5, 20], 64)
    assert rows.shape == columns.shape == (2, 64)
    np.testing.assert_allclose(rows[:, 32], [5, 20])
    np.testing.assert_allclose(columns[:, 32], axis.centre_at([5, 20]))
    direction = np.array([columns[0, 1] - columns[0, 0], rows[0, 1] - rows[0, 0]])
    along_axis = np.array([math.sin(math.radians(3.0)), math.cos(math.radians(3.0))])
    assert direction @ along_axis == pytest.approx(0.0, abs=1e-12)
    assert np.linalg.norm(direction) == pytest.approx(1.0)


def test_straightened_sinogram_is_the_untilted_one() -> None:
    rows, columns, row0, tilt = 20, 72, 9.5, 1.5
    tilted = project_phantom(
        ANGLES, rows, columns, centre=38.4, reference_row=row0, tilt=tilt, radius=26
    )
    axis = tomo.Axis(centre=38.4, row=row0, tilt=tilt)
    (sinogram,) = tomo.straighten(tilted, axis, [14])
    # compare at a resolution the cubic interpolation keeps (the shell is 2 pixels thick)
    # the same slice, axis vertical and on column 36: height (14 - row0) / cos(tilt)
    height = (14 - row0) / math.cos(math.radians(tilt))
    straight = project_phantom(
        ANGLES, 1, columns, centre=36, reference_row=-height, tilt=0.0, radius=26
    )[:, 0, :]
    blurred = [ndimage.gaussian_filter1d(s, 1.5, axis=1) for s in (sinogram, straight)]
    assert np.abs(blurred[0] - blurred[1]).max() < 0.02 * blurred[1].max()
    moved = ndimage.gaussian_filter1d(np.roll(straight, 1, axis=1), 1.5, axis=1)
    assert np.abs(moved - blurred[1]).max() > 0.1 * blurred[1].max()  # a pixel off shows


def test_axis_points_undo_the_straightening() -> None:
    axis = tomo.Axis(centre=30.0, row=8.0, tilt=2.0)
    columns, rows = tomo.axis_points(axis, [4, 12], [32, 32], 64)
    np.testing.assert_allclose(columns, axis.centre_at([4, 12]))
    np.testing.assert_allclose(rows, [4, 12])
    shifted, rows = tomo.axis_points(axis, [4], [33.0], 64)
    assert shifted[0] == pytest.approx(axis.centre_at(4)[()] + math.cos(math.radians(2.0)))
    assert rows[0] == pytest.approx(4 - math.sin(math.radians(2.0)))


def test_fit_axis_recovers_a_line_and_its_scatter() -> None:
    rows = np.arange(0.0, 40.0, 4.0)
    columns = 70.2 + (rows - 18.0) * math.tan(math.radians(0.7))
    fit = tomo.fit_axis(columns, rows)
    assert fit.axis.tilt == pytest.approx(0.7)
    assert fit.axis.centre_at(18.0) == pytest.approx(70.2)
    assert fit.tilt_error == pytest.approx(0.0, abs=1e-9)
    scatter = 0.05 * np.array([1, -1, -1, 1, 0, 0, 1, -1, -1, 1])  # no mean, no slope
    noisy = tomo.fit_axis(columns + scatter, rows)
    assert noisy.axis.tilt == pytest.approx(0.7)
    np.testing.assert_allclose(noisy.residuals, scatter, atol=1e-12)
    assert noisy.tilt_error == pytest.approx(
        math.degrees(math.sqrt(np.sum(scatter**2) / 8 / np.sum((rows - 18) ** 2))), rel=1e-3
    )
    with pytest.raises(ValueError, match="three"):
        tomo.fit_axis([1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="different rows"):
        tomo.fit_axis([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])


def _cylinder(
    rows: int, columns: int, centre: float, row0: float, tilt: float
) -> npt.NDArray[np.float64]:
    """Projections of a z-invariant, round object on a tilted axis (a Gaussian profile)."""
    r, c = np.mgrid[:rows, :columns].astype(float)
    t = math.radians(tilt)
    across = (c - centre) * math.cos(t) - (r - row0) * math.sin(t)
    profile = np.exp(-0.5 * (across / 6.0) ** 2)
    return np.broadcast_to(profile, (8, rows, columns))


def _centroid(sinogram: npt.NDArray[np.float64], number: int) -> float:
    profile = sinogram.mean(axis=0)
    return float(np.sum(profile * np.arange(profile.size)) / profile.sum())


def test_refine_axis_converges_to_the_tilt() -> None:
    projections = _cylinder(30, 64, centre=33.6, row0=14.5, tilt=1.2)
    found = tomo.refine_axis(
        projections, np.arange(2, 28, 3), _centroid, tomo.Axis(centre=32, row=14.5)
    )
    assert found.axis.tilt == pytest.approx(1.2, abs=0.01)
    assert found.axis.centre_at(14.5) == pytest.approx(33.6, abs=0.01)
    np.testing.assert_allclose(
        found.columns, 33.6 + (found.rows - 14.5) * math.tan(math.radians(1.2)), atol=0.02
    )
    assert found.tilts[0] == 0.0
    assert 2 <= len(found.passes) <= 4


def test_field_of_view_is_the_nearest_detector_edge() -> None:
    axis = tomo.Axis(centre=60.0, row=10.0, tilt=45.0)
    assert tomo.field_of_view(axis, 100, [10]) == pytest.approx(39.0)
    assert tomo.field_of_view(axis, 100, [10, 20]) == pytest.approx(29.0)
    mask = tomo.circle_mask(9, 2.0)
    assert mask.sum() == 13 and mask[4, 4] and not mask[4, 7]
