"""Spot finding and what the spots tell (panhub_nexus.reduce.mx), on small known images."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import nxwrite
from panhub_nexus.inputs import InputError
from panhub_nexus.reduce import mx
from panhub_nexus.synthetic.mx import add_spots, write_nxmx_geometry

from tests.support.nexus import assert_nexus_valid

GEOMETRY = mx.DetectorGeometry((80, 90), 0.1, 50.0, (45.0, 40.0), 1.0)

SPOTS = np.array(  # x, y, frame coordinate, intensity
    [[10.3, 12.7, 1.5, 800.0], [60.25, 20.4, 0.9, 300.0], [30.0, 60.5, 2.2, 2000.0],
     [75.6, 70.1, 1.0, 150.0], [20.8, 35.35, 2.6, 600.0]]
)  # fmt: skip


def make_images(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three frames: flat background 2, five spots, a hot pixel, a cosmic ray, a dead row."""
    rng = np.random.default_rng(seed)
    expected = np.full((3, 80, 90), 2.0, dtype=np.float32)
    sigma = np.full(len(SPOTS), 1.0)
    add_spots(expected, SPOTS[:, 0], SPOTS[:, 1], SPOTS[:, 2], SPOTS[:, 3], sigma, 0.3)
    images = rng.poisson(expected).astype(np.uint32)
    bad = np.zeros((80, 90), dtype=bool)
    bad[50, :] = True  # a dead row, masked
    images[:, 50, :] = 0
    bad[5, 80] = True  # a hot pixel, masked
    images[:, 5, 80] = 100_000
    images[1, 70, 15] += 500  # a cosmic ray: one pixel, not masked
    return images, bad


def test_find_spots_recovers_centroids_and_drops_masked_and_single_pixels() -> None:
    images, bad = make_images()
    spots = mx.find_spots(images, bad, window=11)
    assert len(spots) == len(SPOTS)
    found, truth, distance = mx.match_spots(np.c_[spots.x, spots.y], SPOTS[:, :2], radius=1.0)
    assert sorted(truth.tolist()) == list(range(len(SPOTS)))
    assert distance.max() < 0.25
    np.testing.assert_allclose(spots.intensity[found], SPOTS[truth, 3], rtol=0.25)
    assert np.all(spots.i_over_sigma > 5)
    assert np.all(spots.background == pytest.approx(2.0, abs=0.5))
    frames = np.array([1.5, 0.9, 2.2, 1.0, 2.6])[truth] - 0.5  # frame k covers [k, k + 1)
    np.testing.assert_allclose(spots.frame[found], np.clip(frames, 0, 2), atol=0.3)
    assert np.all(spots.bbox[:, 1] > spots.bbox[:, 0]) and np.all(spots.bbox[:, 5] <= 3)


def test_strong_pixels_ignore_the_spot_in_their_background() -> None:
    image = np.full((40, 40), 4.0)
    image[20, 20] = 5000.0
    strong, background = mx.find_strong_pixels(image, np.zeros((40, 40), bool), window=9)
    assert strong.sum() == 1 and strong[20, 20]
    assert background[20, 20] == pytest.approx(4.0)


def test_resolution_follows_braggs_law() -> None:
    # 2θ = 45° at a radius equal to the distance: d = λ / (2 sin 22.5°)
    d = GEOMETRY.resolution(45.0 + 500.0, 40.0)
    assert d == pytest.approx(1.0 / (2 * np.sin(np.radians(22.5))))
    assert GEOMETRY.resolution(45.0, 40.0) == np.inf
    assert GEOMETRY.corner_resolution() == pytest.approx(float(GEOMETRY.resolution(0, 0)))


def test_estimate_resolution_skips_stray_spots() -> None:
    d = np.array([1.5, 2.0, 2.01, 2.02, 2.05, 2.1, 3.0, 4.0])
    i_over_sigma = np.array([2.0, 8.0, 9.0, 30.0, 12.0, 6.0, 40.0, 50.0])
    assert mx.estimate_resolution(d, i_over_sigma, rank=1) == 2.0
    assert mx.estimate_resolution(d, i_over_sigma, rank=3) == 2.02
    assert mx.estimate_resolution(d, i_over_sigma, min_i_over_sigma=10, rank=2) == 2.05
    with pytest.raises(ValueError, match="too few"):
        mx.estimate_resolution(d, i_over_sigma, min_i_over_sigma=100)


def test_match_spots_pairs_mutual_nearest_neighbours() -> None:
    found = [[0.0, 0.0], [10.0, 10.0], [10.7, 10.0], [50.0, 50.0]]  # [10.7, 10]: 2nd nearest
    truth = [[0.2, 0.1], [10.3, 10.0], [30.0, 30.0]]
    i, j, distance = mx.match_spots(found, truth, radius=1.0)
    assert i.tolist() == [0, 1] and j.tolist() == [0, 1]
    np.testing.assert_allclose(distance, [np.hypot(0.2, 0.1), 0.3])


def test_count_in_shells() -> None:
    edges, counts, centres = mx.count_in_shells([10.0, 3.0, 2.1, 2.05], d_min=2.0, n_shells=4)
    np.testing.assert_allclose(edges, [0, 0.0625, 0.125, 0.1875, 0.25])
    assert counts.tolist() == [1, 1, 0, 2]
    assert centres[-1] == pytest.approx(1 / np.sqrt(0.21875))


def write_entry(path: Path, **change: object) -> None:
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="test")
        entry = nxwrite.group(f, "scan", "NXentry", default="data")
        detector = write_nxmx_geometry(
            entry, shape=(80, 90), pixel_size=0.1, distance=50.0, beam_centre=(45.0, 40.0),
            wavelength=1.0, omega=[10.0, 10.5, 11.0],
        )  # fmt: skip
        images = nxwrite.field(detector, "data", make_images()[0], "counts")
        data = nxwrite.data(entry, "data", signal="data")
        nxwrite.link(data, "data", images)
        for name, value in change.items():
            del detector[name]
            if value is not None:
                nxwrite.field(detector, name, value[0], value[1])  # type: ignore[index]


def test_read_geometry_and_rotation(tmp_path: Path) -> None:
    write_entry(tmp_path / "a.nxs", beam_center_x=(4.5, "mm"))
    with h5py.File(tmp_path / "a.nxs", "r") as f:
        assert mx.read_geometry(f["scan"]) == GEOMETRY
        np.testing.assert_allclose(mx.read_rotation(f["scan"], 3), [10.0, 10.5, 11.0])
        with pytest.raises(InputError, match="has 3 angles for 4 frames"):
            mx.read_rotation(f["scan"], 4)


def test_read_geometry_says_what_is_missing(tmp_path: Path) -> None:
    write_entry(tmp_path / "a.nxs", distance=None)
    with h5py.File(tmp_path / "a.nxs", "r") as f, pytest.raises(InputError) as error:
        mx.read_geometry(f["scan"])
    assert "a.nxs:/scan/instrument/detector/distance is missing" in str(error.value)
    write_entry(tmp_path / "b.nxs", beam_center_y=(40, "deg"))
    with h5py.File(tmp_path / "b.nxs", "r") as f, pytest.raises(InputError, match="'deg'"):
        mx.read_geometry(f["scan"])


def test_result_entry_with_reflections_is_valid_nxmx(tmp_path: Path) -> None:
    write_entry(tmp_path / "raw.nxs")
    images, bad = make_images()
    spots = mx.find_spots(images, bad, window=11).shift_frames(1)
    with h5py.File(tmp_path / "raw.nxs", "r") as raw, h5py.File(tmp_path / "out.nxs", "w") as f:
        nxwrite.root(f, creator="test")
        entry = nxwrite.group(f, "entry", "NXentry", default="reflections_plot")
        nxwrite.field(entry, "definition", "NXmx")
        mx.copy_experiment(raw["scan"], entry)
        d = GEOMETRY.resolution(spots.x, spots.y)
        group = mx.write_reflections(entry, spots, d, GEOMETRY, [10.0, 10.5, 11.0, 11.5],
                                     experiment="raw.nxs:/scan")  # fmt: skip
        plot = nxwrite.data(entry, "reflections_plot", signal="int_sum", axes=["d"])
        nxwrite.link(plot, "int_sum", group["int_sum"])
        nxwrite.link(plot, "d", group["d"])
        assert entry["sample/depends_on"][()] == b"/entry/sample/transformations/omega"
        assert "data" not in entry["instrument/detector"]
        np.testing.assert_allclose(group["observed_frame"][()], spots.frame)
        np.testing.assert_allclose(group["observed_phi"][()], 10.0 + 0.5 * (spots.frame + 0.5))
        assert group["bounding_box"].shape == (len(spots), 6)
        assert set(group["flags"][()]) == {mx.STRONG}
    assert_nexus_valid(tmp_path / "out.nxs")
