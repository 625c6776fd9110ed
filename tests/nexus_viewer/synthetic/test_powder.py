"""The powder generator: valid NXmx, a nominal geometry that is off, the known lines."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus.synthetic import _detector, powder

from tests.support.nexus import assert_nexus_valid


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> powder.PowderTruth:
    path = tmp_path_factory.mktemp("powder") / "si_lab6.nxs"
    return powder.write_si_lab6(path, seed=2)


def lines(truth: powder.PowderTruth, phase: str) -> dict[tuple[int, int, int], float]:
    return {r.hkl: r.two_theta for r in truth.reflections if r.phase == phase}


def test_file_is_valid_nxmx(truth: powder.PowderTruth) -> None:
    assert_nexus_valid(truth.path)
    assert Path(truth.path).stat().st_size < 3e6
    with h5py.File(truth.path, "r") as f:
        assert f["entry/definition"].asstr()[()] == "NXmx"
        assert f["entry/data/data"].shape == (1, 1043, 981)  # one still frame


def test_file_geometry_is_the_nominal_one_off_from_the_truth(truth: powder.PowderTruth) -> None:
    true, nominal = truth.geometry, truth.nominal
    assert nominal.distance == pytest.approx(true.distance * 1.015)
    assert (nominal.beam_center_x - true.beam_center_x) / 0.172 == pytest.approx(3.2)
    assert (nominal.beam_center_y - true.beam_center_y) / 0.172 == pytest.approx(-2.4)
    with h5py.File(truth.path, "r") as f:
        det = f["entry/instrument/detector"]
        assert det["distance"][()] == nominal.distance
        assert det["beam_center_x"][()] == nominal.beam_center_x
        assert det["beam_center_y"][()] == nominal.beam_center_y
        assert f["entry/instrument/beam/incident_wavelength"][()] == true.wavelength


def test_axis_chain_puts_the_beam_where_the_fields_say(truth: powder.PowderTruth) -> None:
    """NXmx transformations: pixel (0, 0)'s centre, and the pixel directions."""
    g = truth.nominal
    with h5py.File(truth.path, "r") as f:
        det = f["entry/instrument/detector"]
        distance = det["transformations/translation"]
        assert distance[()] * np.array(distance.attrs["vector"]) == pytest.approx(
            [0, 0, g.distance]
        )
        offset = det["module/module_offset"]
        origin = offset[()] * np.array(offset.attrs["vector"])  # centre of pixel (0, 0)
        fast = det["module/fast_pixel_direction"]
        slow = det["module/slow_pixel_direction"]
        step_x = fast[()] * np.array(fast.attrs["vector"])
        step_y = slow[()] * np.array(slow.attrs["vector"])
    # the beam (x = y = 0) is at this pixel position, counted from pixel centres
    column = -origin[0] / step_x[0]
    row = -origin[1] / step_y[1]
    assert column == pytest.approx(g.beam_center_x / g.pixel_size - 0.5)
    assert row == pytest.approx(g.beam_center_y / g.pixel_size - 0.5)


def test_lines_follow_the_structures() -> None:
    si = powder.Phase("Si", powder.SI_LATTICE, powder.SILICON, scale=1.0, fwhm=0.1)
    lab6 = powder.Phase("LaB6", powder.LAB6_LATTICE, powder.LAB6, scale=1.0, fwhm=0.1)
    si_n = [r.n for r in powder.find_reflections(si, 0.5, 40.0)]
    lab6_n = [r.n for r in powder.find_reflections(lab6, 0.5, 40.0)]
    assert si_n[:7] == [3, 8, 11, 16, 19, 24, 27]  # diamond: no 200, 222, 420...
    assert lab6_n[:8] == [1, 2, 3, 4, 5, 6, 8, 9]  # primitive: all (7 is no sum of squares)
    first = powder.find_reflections(si, 0.5, 40.0)[0]
    assert first.hkl == (1, 1, 1)
    assert first.two_theta == pytest.approx(
        math.degrees(2 * math.asin(0.5 * math.sqrt(3) / (2 * powder.SI_LATTICE)))
    )


def test_rings_overlap(truth: powder.PowderTruth) -> None:
    si, lab6 = lines(truth, "Si"), lines(truth, "LaB6")
    assert abs(si[(4, 2, 2)] - lab6[(3, 2, 1)]) < 0.1  # closer than a line's width
    assert abs(si[(3, 3, 1)] - lab6[(3, 1, 1)]) < 0.2
    assert abs(si[(5, 1, 1)] - lab6[(4, 0, 0)]) < 0.2


def test_counts_peak_at_the_true_lines(truth: powder.PowderTruth) -> None:
    """A numpy radial profile with the TRUE geometry peaks at the known Si lines."""
    with h5py.File(truth.path, "r") as f:
        image = f["entry/instrument/detector/data"][0].astype(float)
        mask = f["entry/instrument/detector/pixel_mask"][()] != 0
    two_theta = np.degrees(_detector.make_two_theta(truth.geometry))[~mask]
    counts = image[~mask]
    for hkl in [(1, 1, 1), (2, 2, 0), (3, 1, 1), (4, 0, 0)]:
        center = lines(truth, "Si")[hkl]
        edges = np.arange(center - 0.3, center + 0.3, 0.01)
        which = np.digitize(two_theta, edges)
        near = (which > 0) & (which < edges.size)
        profile = np.bincount(which[near], counts[near], edges.size) / np.maximum(
            np.bincount(which[near], minlength=edges.size), 1
        )
        peak = edges[int(np.argmax(profile[1:]))] + 0.005
        assert peak == pytest.approx(center, abs=0.015), hkl


def test_same_seed_same_counts_other_seed_other_counts(tmp_path: Path) -> None:
    images = []
    for name, seed in [("a", 1), ("b", 1), ("c", 2)]:
        truth = powder.write_si_lab6(tmp_path / f"{name}.nxs", seed=seed, oversample=1)
        with h5py.File(truth.path, "r") as f:
            images.append(f["entry/instrument/detector/data"][()])
    assert np.array_equal(images[0], images[1])
    assert not np.array_equal(images[0], images[2])
