"""The SAXS generator: valid NXsas, the known spheres in the counts, reproducible."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus.synthetic import _detector, saxs

from tests.support.nexus import assert_nexus_valid


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> saxs.SaxsTruth:
    path = tmp_path_factory.mktemp("saxs") / "spheres.nxs"
    return saxs.write_polydisperse_spheres(path, seed=3)


def test_file_is_valid_nxsas(truth: saxs.SaxsTruth) -> None:
    assert_nexus_valid(truth.path)
    assert Path(truth.path).stat().st_size < 3e6
    with h5py.File(truth.path, "r") as f:
        assert f["entry/definition"].asstr()[()] == "NXsas"
        assert f["entry/data/data"].id == f["entry/instrument/detector/data"].id


def test_file_carries_the_geometry_and_mask(truth: saxs.SaxsTruth) -> None:
    g = truth.geometry
    with h5py.File(truth.path, "r") as f:
        det = f["entry/instrument/detector"]
        assert det["distance"][()] == g.distance
        assert det["distance"].attrs["units"] == "mm"
        assert (det["beam_center_x"][()], det["beam_center_y"][()]) == (
            g.beam_center_x,
            g.beam_center_y,
        )
        assert det["x_pixel_size"][()] == det["y_pixel_size"][()] == 0.172
        assert f["entry/instrument/monochromator/wavelength"][()] == g.wavelength
        image, mask = det["data"][()], det["pixel_mask"][()]
    assert image.shape == mask.shape == (1043, 981)  # a Pilatus 1M
    assert np.count_nonzero(mask) == truth.masked_pixels
    gaps = (mask & _detector.MASK_GAP) != 0
    assert gaps[195:212].all() and gaps[:, 487:494].all()  # between the modules
    assert np.all(image[gaps] == -1)
    # the beam stop is where the beam is, masked (bit 8) but not gaps
    row, column = int(g.beam_center_y / 0.172), int(g.beam_center_x / 0.172)
    assert mask[row, column] == _detector.MASK_USER
    assert image[row, column] >= 0


def test_counts_follow_the_known_spheres(truth: saxs.SaxsTruth) -> None:
    """Azimuthal means of the counts (numpy only) match the model the truth describes."""
    with h5py.File(truth.path, "r") as f:
        image = f["entry/instrument/detector/data"][()].astype(float)
        mask = f["entry/instrument/detector/pixel_mask"][()] != 0
    q = _detector.make_q(truth.geometry)
    two_theta = _detector.make_two_theta(truth.geometry)
    corrected = image / _detector.solid_angle_factor(two_theta)
    grid = np.linspace(0.0, 0.3, 3001)
    model = saxs.make_intensity(
        grid,
        radius=truth.radius,
        polydispersity=truth.polydispersity,
        forward=truth.forward,
        background=truth.background,
        background_slope=truth.background_slope,
    )
    edges = np.linspace(0.01, 0.2, 40)
    which = np.digitize(q[~mask], edges)
    for b in range(1, edges.size):
        pixels = which == b
        mean = corrected[~mask][pixels].mean()
        expected = np.interp(q[~mask][pixels], grid, model).mean()
        error = np.sqrt(expected / pixels.sum())
        assert abs(mean - expected) < 5 * error + 1e-3 * expected, (b, mean, expected)


def test_same_seed_same_counts_other_seed_other_counts(tmp_path: Path) -> None:
    images = []
    for name, seed in [("a", 5), ("b", 5), ("c", 6)]:
        truth = saxs.write_polydisperse_spheres(tmp_path / f"{name}.nxs", seed=seed)
        with h5py.File(truth.path, "r") as f:
            images.append(f["entry/instrument/detector/data"][()])
    assert np.array_equal(images[0], images[1])
    assert not np.array_equal(images[0], images[2])


def test_schulz_weights_have_the_mean_and_width_asked() -> None:
    radii, weights = saxs.schulz_weights(50.0, 0.1)
    mean = np.sum(weights * radii)
    width = np.sqrt(np.sum(weights * (radii - mean) ** 2))
    assert mean == pytest.approx(50.0, rel=1e-4)
    assert width / mean == pytest.approx(0.1, rel=1e-3)
    assert saxs.schulz_weights(50.0, 0.0) == (pytest.approx([50.0]), pytest.approx([1.0]))


def test_polydisperse_spheres_is_one_at_zero_and_smears_the_minima() -> None:
    q = np.array([0.0, 4.4934 / 50.0])  # the first zero of a 50 Å sphere
    mono = saxs.polydisperse_spheres(q, 50.0, 0.0)
    poly = saxs.polydisperse_spheres(q, 50.0, 0.1)
    assert mono[0] == pytest.approx(1.0) and poly[0] == pytest.approx(1.0)
    assert mono[1] < 1e-8
    assert poly[1] > 1e-4
