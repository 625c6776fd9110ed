"""Powder bookkeeping, cubic lattice least squares, and NXazint1d results."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus.reduce import powder

from tests.support.nexus import assert_nexus_valid

SI_N = np.array([3, 8, 11, 16, 19, 24, 27, 32])


def test_cubic_two_theta_is_braggs_law() -> None:
    tth = powder.cubic_two_theta(5.4309, SI_N, 0.5)
    d = 0.5 / (2 * np.sin(np.radians(tth) / 2))
    np.testing.assert_allclose(d, 5.4309 / np.sqrt(SI_N))
    np.testing.assert_allclose(powder.two_theta_of(d, 0.5), tth)
    assert np.isnan(powder.two_theta_of([0.2], 0.5)[0])  # beyond back-scattering


def test_clear_lines_are_far_from_every_sample_line() -> None:
    clear = powder.find_clear_lines([10.0, 12.0, 14.0], [10.3, 13.8], 0.4)
    assert clear.tolist() == [False, True, False]
    assert powder.find_clear_lines([10.0], [], 0.4).tolist() == [True]


def test_group_lines_joins_close_neighbours_in_order() -> None:
    assert powder.group_lines([12.5, 10.0, 12.0, 10.1, 12.3], 0.35) == [[1, 3], [2, 4, 0]]
    assert powder.group_lines([12.5, 10.0, 12.0, 10.1, 12.3], 0.25) == [[1, 3], [2], [4, 0]]
    assert powder.group_lines([], 1.0) == []


def test_lattice_is_exact_on_exact_lines() -> None:
    tth = powder.cubic_two_theta(5.4309, SI_N, 0.5)
    fit = powder.refine_cubic_lattice(SI_N, tth, np.full(SI_N.size, 1e-4), 0.5)
    assert fit.lattice == pytest.approx(5.4309, abs=1e-10)
    assert np.abs(fit.residuals).max() < 1e-10


def test_lattice_uncertainty_matches_the_scatter() -> None:
    """Over many noisy line sets, the stated uncertainty is the spread of the results."""
    rng = np.random.default_rng(0)
    sigma = np.full(SI_N.size, 2e-3)
    exact = powder.cubic_two_theta(5.4309, SI_N, 0.5)
    fits = [
        powder.refine_cubic_lattice(SI_N, exact + rng.normal(0, 2e-3, SI_N.size), sigma, 0.5)
        for _ in range(400)
    ]
    values = np.array([f.lattice for f in fits])
    stated = np.median([f.error for f in fits])
    assert values.mean() == pytest.approx(5.4309, abs=3 * stated / np.sqrt(len(fits)))
    assert values.std() == pytest.approx(stated, rel=0.15)
    with pytest.raises(ValueError, match="two lines"):
        powder.refine_cubic_lattice([3], [9.1], [1e-3], 0.5)


def test_result_is_valid_nxazint1d(tmp_path: Path) -> None:
    raw = tmp_path / "raw.nxs"
    raw.write_bytes(b"raw")
    path = tmp_path / "result.nxs"
    tth = np.linspace(1, 40, 500)
    intensity = 100 + 1e3 * np.exp(-((tth - 9.146) ** 2) / 0.002)
    lines = powder.cubic_two_theta(5.4309, SI_N, 0.5)
    fit = powder.refine_cubic_lattice(SI_N, lines, np.full(SI_N.size, 1e-4), 0.5)
    with h5py.File(path, "w") as f:
        entry = powder.write_azint1d(
            f,
            two_theta=tth,
            intensity=intensity,
            sigma=np.sqrt(intensity),
            wavelength=0.5,
            instrument="BL04",
            source={"name": "ring", "type": "Synchrotron X-ray Source", "probe": "x-ray"},
            title="Si",
        )
        powder.write_reduction(
            entry,
            integration={"dist": (0.15, "m"), "npt": 500, "unit": "2th_deg"},
            program="h5py",
            template="powder/01-integrate-refine",
            parameters={"n_bins": 500},
            inputs=[raw],
        )
        powder.write_lattice(
            entry,
            fit,
            phase="Si",
            hkl=[(1, 1, 1)] * SI_N.size,
            two_theta=lines,
            sigma=np.full(SI_N.size, 1e-4),
            standard="LaB6",
        )
    assert_nexus_valid(path)
    with h5py.File(path, "r") as f:
        entry = f["entry"]
        assert entry["definition"].asstr()[()] == "NXazint1d"
        assert entry["integrated/I"].shape == (1, 500)
        assert entry["integrated/radial_axis"].attrs["units"] == "deg"
        assert entry["reduction/input/dist"].attrs["units"] == "m"
        assert entry["reduction/reference"].asstr()[()].startswith("https://doi.org/")
        lattice = entry["lattice_refinement/lattice_parameter"]
        assert lattice[()] == pytest.approx(5.4309)
        assert lattice.attrs["units"] == "angstrom"
        np.testing.assert_allclose(entry["sample/unit_cell_abc"][()], [fit.lattice] * 3)
