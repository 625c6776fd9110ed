"""The MX generator: a valid NXmx rotation series, its MTZ, and a consistent known answer."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import synthetic
from panhub_nexus.synthetic import mx
from panhub_nexus.synthetic.mx_crystal import (
    is_absent,
    make_reciprocal_basis,
    parse_op,
    to_asu,
)

from tests.support.nexus import assert_nexus_valid


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> mx.MxTruth:
    return mx.write_rotation_series(tmp_path_factory.mktemp("mx") / "lyso.nxs")


def test_series_is_valid_nxmx(series: mx.MxTruth) -> None:
    assert_nexus_valid(series.path)
    with h5py.File(series.path, "r") as f:
        entry = f["entry"]
        assert entry["definition"][()] == b"NXmx"
        detector = entry["instrument/detector"]
        assert detector["data"].shape == (5, 1065, 1030)
        assert entry["data/data"].id == detector["data"].id
        assert detector["distance"][()] == series.geometry.distance
        assert detector["module/fast_pixel_direction"][()] == series.geometry.pixel_size
        assert entry["instrument/beam/incident_wavelength"][()] == series.geometry.wavelength
        np.testing.assert_allclose(
            entry["sample/transformations/omega"][()], [0, 0.2, 0.4, 0.6, 0.8]
        )
        mask = detector["pixel_mask"][()]
        frame = detector["data"][0]
        gaps = mask == synthetic.MASK_GAP
        assert gaps[514:551].all() and gaps.sum() == 37 * 1030
        assert np.all(frame[gaps] == np.iinfo(np.uint32).max)
        for row, col in series.hot_pixels:
            assert mask[row, col] == synthetic.MASK_HOT and frame[row, col] >= 100_000
        for k, row, col in series.zingers:  # cosmic rays: single bright pixels, not masked
            assert mask[row, col] == 0 and detector["data"][k, row, col] >= 300


def test_spots_follow_the_crystal_and_the_geometry(series: mx.MxTruth) -> None:
    spots = series.spots
    assert 600 < len(spots) < 1500
    # a spot's position gives back the resolution of its reflection (Bragg's law)
    np.testing.assert_allclose(series.geometry.resolution(spots.x, spots.y), spots.d, rtol=1e-9)
    assert spots.d.min() >= series.d_min
    assert spots.d.min() < series.d_min + 0.01  # the limit is reached, within the detector
    assert not is_absent(spots.hkl, series.crystal.space_group).any()
    assert np.all((spots.frame > -0.5) & (spots.frame < 4.5))
    full = spots.fraction > 0.99
    assert full.sum() > len(spots) // 3  # the others are cut by the ends of the wedge
    # the intensity written around a full spot is its known intensity
    with h5py.File(series.path, "r") as f:
        data = f["entry/instrument/detector/data"]
        i = int(np.flatnonzero(full & ~spots.masked & (spots.intensity > 500))[0])
        x, y = round(spots.x[i]), round(spots.y[i])
        box = data[:, y - 8 : y + 9, x - 8 : x + 9].astype(float)
    rim = np.hypot(*np.mgrid[-8:9, -8:9]) > 6  # background only, beyond 5 sigma
    counts = box.sum() - box.size * box[:, rim].mean()
    assert counts == pytest.approx(spots.intensity[i], abs=4 * np.sqrt(box.sum()))


def test_series_is_reproducible(tmp_path: Path, series: mx.MxTruth) -> None:
    again = mx.write_rotation_series(tmp_path / "again.nxs")
    other = mx.write_rotation_series(tmp_path / "other.nxs", seed=1)
    np.testing.assert_array_equal(again.spots.x, series.spots.x)
    assert again.hot_pixels == series.hot_pixels
    with h5py.File(series.path, "r") as a, h5py.File(again.path, "r") as b:
        path = "entry/instrument/detector/data"
        np.testing.assert_array_equal(a[path][()], b[path][()])
    assert Path(again.mtz_path).read_bytes() == Path(series.mtz_path).read_bytes()
    assert len(other.spots) != len(series.spots) or not np.allclose(other.spots.x, series.spots.x)


def read_mtz_header(path: str) -> list[str]:
    raw = Path(path).read_bytes()
    assert raw[:4] == b"MTZ " and raw[8:10] == b"DA"
    start = (int(np.frombuffer(raw[4:8], "<i4")[0]) - 1) * 4
    text = raw[start:].decode("ascii")
    return [text[i : i + 80].rstrip() for i in range(0, len(text), 80)]


def test_mtz_holds_cell_space_group_and_unique_reflections(series: mx.MxTruth) -> None:
    header = read_mtz_header(series.mtz_path)
    assert header[0] == "VERS MTZ:V1.1"
    assert header[-1] == "MTZENDOFHEADERS"
    assert [float(v) for v in next(r for r in header if r.startswith("CELL")).split()[1:]] == [
        79.1, 79.1, 37.9, 90.0, 90.0, 90.0,
    ]  # fmt: skip
    assert "96 'P 43 21 2' PG422" in next(r for r in header if r.startswith("SYMINF"))
    assert sum(r.startswith("SYMM") for r in header) == 8
    ncol, nref = (int(v) for v in header[2].split()[1:3])
    assert (ncol, nref) == (5, series.n_reflections)
    raw = Path(series.mtz_path).read_bytes()
    table = np.frombuffer(raw[80 : 80 + 4 * ncol * nref], "<f4").reshape(nref, ncol)
    hkl = table[:, :3].astype(np.int64)
    assert len(np.unique(hkl, axis=0)) == nref
    np.testing.assert_array_equal(to_asu(hkl, mx.P43212), hkl)
    d = 1 / np.linalg.norm(hkl @ make_reciprocal_basis(mx.LYSOZYME.cell), axis=1)
    assert d.min() >= series.d_min and d.min() < series.d_min + 0.01


def test_symmetry_of_p43212() -> None:
    rotation, translation = parse_op("-y+1/2,x+1/2,z+3/4")
    np.testing.assert_array_equal(rotation, [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_allclose(translation, [0.5, 0.5, 0.75])
    hkl = np.array([[0, 0, 4], [0, 0, 2], [0, 0, 3], [1, 0, 0], [2, 0, 0], [0, 3, 0], [1, 1, 1]])
    assert is_absent(hkl, mx.P43212).tolist() == [False, True, True, True, False, True, False]
    np.testing.assert_array_equal(
        to_asu(np.array([[-3, 5, -2], [2, 7, 1]]), mx.P43212), [[5, 3, 2], [7, 2, 1]]
    )
    np.testing.assert_allclose(
        make_reciprocal_basis((10.0, 20.0, 40.0, 90.0, 90.0, 90.0)),
        np.diag([0.1, 0.05, 0.025]),
        atol=1e-12,
    )


def test_the_eiger_stack_is_valid_nxmx(tmp_path: Path) -> None:
    """write_eiger_stack completes its entry with write_nxmx_geometry: valid NXmx."""
    stack = synthetic.write_eiger_stack(
        tmp_path / "stack.nxs", shape=(48, 40), n_frames=3, module=(20, 17), gap=(3, 2), n_hot=2
    )
    assert_nexus_valid(stack.path)
