"""The raw NXtomo scan of the tilted-axis phantom: valid, true to its geometry, seeded."""

from __future__ import annotations

import time
from pathlib import Path

import h5py
import numpy as np
import numpy.typing as npt
import pytest
from panhub_nexus.synthetic import tomo
from scipy import ndimage

from tests.support.nexus import assert_nexus_valid


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> tomo.TomoTruth:
    """The default scan (seed 0), written once for the module."""
    path = tmp_path_factory.mktemp("tomo") / "phantom.nxs"
    started = time.monotonic()
    truth = tomo.write_nxtomo(path, seed=0)
    print(f"write_nxtomo: {time.monotonic() - started:.1f} s")
    return truth


def test_scan_is_valid_nxtomo(scan: tomo.TomoTruth) -> None:
    assert_nexus_valid(scan.path)
    assert Path(scan.path).stat().st_size < 5e6


def test_scan_has_flats_darks_and_projections(scan: tomo.TomoTruth) -> None:
    with h5py.File(scan.path, "r") as f:
        detector = f["entry/instrument/detector"]
        data, keys = detector["data"], detector["image_key"][()]
        assert data.shape == scan.shape
        assert data.dtype == np.uint16
        assert f["entry/definition"][()] == b"NXtomo"
        assert np.bincount(keys).tolist() == [scan.n_projections, scan.n_flats, scan.n_darks]
        angle = f["entry/sample/rotation_angle"]
        assert angle.attrs["units"] == "deg"
        np.testing.assert_allclose(angle[keys == 0], scan.angles)
        assert detector["x_pixel_size"][()] == scan.pixel_size
        moved = f["entry/sample/x_translation"][()]
        assert np.all(moved[keys == 1] != 0) and np.all(moved[keys != 1] == 0)
        assert f["entry/data/data"].id == data.id
        assert f["entry/data/image_key"].id == detector["image_key"].id
        darks, flats = data[keys == 2], data[keys == 1]
        assert 90 < darks.mean() < 110
        assert flats.mean() > 50 * darks.mean()


def test_centre_moves_linearly_with_row(scan: tomo.TomoTruth) -> None:
    rows = np.arange(scan.shape[1])
    centres = scan.centre_at(rows)
    assert scan.centre_at(scan.reference_row) == pytest.approx(scan.centre)
    np.testing.assert_allclose(np.diff(centres), np.tan(np.radians(scan.tilt)))
    assert abs(centres[-1] - centres[0]) > 0.5  # the tilt moves the axis visibly


def test_same_seed_same_file_other_seed_other_noise(tmp_path: Path) -> None:
    small = {"rows": 8, "columns": 48, "n_projections": 24, "n_flats": 2, "n_darks": 2}
    paths = [tmp_path / f"{name}.nxs" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (5, 5, 6), strict=True):
        tomo.write_nxtomo(path, seed=seed, **small)  # type: ignore[arg-type]
    frames = []
    for path in paths:
        with h5py.File(path, "r") as f:
            frames.append(f["entry/instrument/detector/data"][()])
    np.testing.assert_array_equal(frames[0], frames[1])
    assert not np.array_equal(frames[0], frames[2])


def test_projections_conserve_the_slice_mass() -> None:
    # untilted, thin rows: each projection's sum is the slice's integral (parallel beam)
    angles = np.linspace(0.0, 180.0, 7, endpoint=False)
    line = tomo.project_phantom(angles, 1, 96, centre=47.5, reference_row=0.0, tilt=0.0, radius=36)
    truth = tomo.TomoTruth(
        path="", shape=(0, 1, 96), n_projections=7, n_flats=0, n_darks=0, angles=(),
        pixel_size=1.0, centre=47.5, reference_row=0.0, tilt=0.0, radius=36.0, mu=1.0,
        defects=0,
    )  # fmt: skip
    grid = np.arange(-48, 48) + 0.5
    mass = truth.phantom_slice(0.0, grid, grid, oversample=6).sum()
    np.testing.assert_allclose(line.sum(axis=(1, 2)), mass, rtol=0.01)


def _mirror(
    image: npt.NDArray[np.float64], centre: float, row: float, tilt: float
) -> npt.NDArray[np.float64]:
    """``image`` mirrored about the line through (``centre``, ``row``) tilted by ``tilt``."""
    t = np.radians(tilt)
    r, c = np.mgrid[: image.shape[0], : image.shape[1]].astype(float)
    along = (c - centre) * np.sin(t) + (r - row) * np.cos(t)
    across = (c - centre) * np.cos(t) - (r - row) * np.sin(t)
    where = (
        row + along * np.cos(t) + across * np.sin(t),
        centre + along * np.sin(t) - across * np.cos(t),
    )
    return ndimage.map_coordinates(image, where, order=3, mode="nearest")


def test_180_degrees_mirrors_about_the_tilted_axis() -> None:
    centre, row, tilt = 41.3, 11.5, 2.0
    at_0, at_180 = tomo.project_phantom(
        [0.0, 180.0], 24, 80, centre=centre, reference_row=row, tilt=tilt, radius=30.0
    )
    inner = (slice(3, -3), slice(5, -5))

    def mismatch(centre: float, tilt: float) -> float:
        return float(np.median(np.abs(_mirror(at_180, centre, row, tilt) - at_0)[inner]))

    right = mismatch(centre, tilt)
    assert right < 0.001 * at_0.max()
    # any other axis mirrors it worse: untilted, tilted the other way or more, shifted
    for wrong in [(centre, 0.0), (centre, -tilt), (centre, tilt + 0.5), (centre + 0.3, tilt)]:
        assert mismatch(*wrong) > 2 * right
