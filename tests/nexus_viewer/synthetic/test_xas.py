"""The synthetic XAS scan: valid NXxas, the answer it claims, the same file for a seed."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus.synthetic import xas

from tests.support.nexus import assert_nexus_valid


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> xas.XasTruth:
    return xas.write_xas_scan(tmp_path_factory.mktemp("xas") / "cu.nxs", seed=3)


def read_scan(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Energies and ln(I0/It) as a template reads them."""
    with h5py.File(path, "r") as f:
        energy = f["entry/instrument/monochromator/energy"][()]
        i0 = f["entry/instrument/incoming_beam/data"][()]
        it = f["entry/instrument/absorbed_beam/data"][()]
    return energy, np.log(i0 / it)


def noise_free(truth: xas.XasTruth, energy: np.ndarray) -> np.ndarray:
    chi = xas.make_chi(energy, truth.e0, truth.shells, truth.s02, truth.delta_e0)
    return xas.make_mu(
        energy,
        e0=truth.e0,
        edge_step=truth.edge_step,
        chi=chi,
        pre_edge_energy=truth.pre_edge_energy,
        pre_edge_height=truth.pre_edge_height,
    )


def test_scan_is_valid_nxxas(truth: xas.XasTruth) -> None:
    assert_nexus_valid(truth.path)
    with h5py.File(truth.path, "r") as f:
        entry = f["entry"]
        assert entry["definition"][()] == b"NXxas"
        assert entry["data/mode"][()] == b"Transmission"
        assert entry["data/energy"].id == entry["instrument/monochromator/energy"].id
        assert entry["data/absorbed_beam"].id == entry["instrument/absorbed_beam/data"].id
        assert entry["monitor/data"].id == entry["instrument/incoming_beam/data"].id
        assert entry["instrument/monochromator/energy"].attrs["units"] == "eV"
        energy = entry["instrument/monochromator/energy"][()]
    assert np.all(np.diff(energy) > 0)
    assert energy[0] < truth.e0 - 100 and energy[-1] > truth.e0 + 14**2 / xas.ETOK
    assert Path(truth.path).stat().st_size < 100_000


def test_scan_carries_the_answer(truth: xas.XasTruth) -> None:
    # the EXAFS is FEFF's fcc Cu, with the first shell moved off the model's distance
    first = xas.read_feff_path(xas.FEFF_FOLDER / truth.shells[0].feff)
    assert (first.reff, first.degen) == (2.5527, 12.0)
    assert truth.feff_reff == first.reff and abs(truth.r - first.reff) > 0.01
    assert (truth.n, truth.r, truth.sigma2) == (12.0, 2.540, 0.0085)
    # E0 is where the noise-free μ(E) is steepest (the definition the template targets)
    fine = np.arange(truth.e0 - 30.0, truth.e0 + 30.0, 0.01)
    slope = np.gradient(noise_free(truth, fine), fine)
    assert abs(fine[np.argmax(slope)] - truth.e0) < 0.02
    # the pre-edge peak is a local maximum of the noise-free μ(E), below the edge
    below = fine < truth.e0 - 2
    tops = np.flatnonzero(np.diff(np.sign(slope[below])) < 0)
    assert len(tops) == 1
    assert abs(fine[below][tops[0]] - truth.pre_edge_energy) < 0.3
    # the file is that μ(E) (times the detectors' gain ratio), plus noise of the stated size
    energy, mu = read_scan(truth.path)
    residual = mu - noise_free(truth, energy)
    assert residual.mean() == pytest.approx(np.log(1 / 0.8), abs=3 * truth.noise)
    near_edge = np.abs(energy - truth.e0) < 20
    assert residual[near_edge].std() == pytest.approx(truth.noise, rel=0.25)


def test_same_seed_same_file(tmp_path: Path) -> None:
    a = xas.write_xas_scan(tmp_path / "a.nxs", seed=5)
    b = xas.write_xas_scan(tmp_path / "b.nxs", seed=5)
    c = xas.write_xas_scan(tmp_path / "c.nxs", seed=6)
    assert (a.e0, a.r, a.noise) == (b.e0, b.r, b.noise)
    (_, mu_a), (_, mu_b), (_, mu_c) = (read_scan(t.path) for t in (a, b, c))
    np.testing.assert_array_equal(mu_a, mu_b)
    assert not np.array_equal(mu_a, mu_c)


def test_path_chi_follows_the_exafs_equation() -> None:
    path = xas.read_feff_path(xas.FEFF_FOLDER / "feff0001.dat")
    k = np.linspace(3.0, 14.0, 221)
    base = xas.make_path_chi(path, k, n=12)
    r = np.fft.rfftfreq(4096, d=k[1] - k[0]) * np.pi

    def transform(chi: np.ndarray) -> np.ndarray:
        return np.abs(np.fft.rfft(chi * k**2, 4096))

    # amplitude: proportional to N S0²; disorder (σ²) damps it
    np.testing.assert_allclose(xas.make_path_chi(path, k, n=6, s02=0.5), base / 4)
    damped = transform(xas.make_path_chi(path, k, n=12, sigma2=0.01))
    assert damped.max() < 0.6 * transform(base).max()
    # phase: 2 k ΔR, so a longer distance moves |χ(R)|'s peak out by ΔR
    peaks = [r[np.argmax(transform(xas.make_path_chi(path, k, n=12, delta_r=d)))] for d in (0, 0.2)]
    assert peaks[1] - peaks[0] == pytest.approx(0.2, abs=0.03)
    # and that peak is short of R: the scattering phase shift
    assert 0.2 < path.reff - peaks[0] < 0.6


def test_feff_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "feff0001.dat"
    bad.write_text("not feff\n")
    with pytest.raises(ValueError, match="not a FEFF path file"):
        xas.read_feff_path(bad)
