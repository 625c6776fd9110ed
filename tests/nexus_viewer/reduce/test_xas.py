"""XAS helpers of the template: μ(E), E0, the FEFF model, the NXxasproc result."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import results
from panhub_nexus.inputs import InputError
from panhub_nexus.reduce import xas
from panhub_nexus.synthetic import xas as synthetic_xas

from tests.support.nexus import assert_nexus_valid


def test_mu_by_detection_mode() -> None:
    i0, i1 = np.array([100.0, 200.0]), np.array([50.0, 20.0])
    np.testing.assert_allclose(xas.make_mu(i0, i1, "Transmission"), np.log([2.0, 10.0]))
    np.testing.assert_allclose(xas.make_mu(i0, i1, "Fluorescence Yield"), [0.5, 0.1])
    with pytest.raises(ValueError, match="unknown detection mode"):
        xas.make_mu(i0, i1, "transmission")
    with pytest.raises(ValueError, match="must be positive"):
        xas.make_mu(i0, np.array([1.0, 0.0]), "Transmission")
    with pytest.raises(ValueError, match="differ in length"):
        xas.make_mu(i0, i1[:1], "Transmission")


def test_refine_e0_finds_the_inflection_between_points() -> None:
    energy = np.arange(8950.0, 9010.0, 0.25)
    step = 0.5 + np.arctan((energy - 8979.13) / 1.3) / np.pi
    e0, error = xas.refine_e0(energy, step + 0.002 * (energy - 8950), 8979.25)
    assert e0 == pytest.approx(8979.13, abs=0.005)
    assert error < 0.05  # the cubic is not the arctan: its misfit counts
    noisy = step + np.random.default_rng(0).normal(0, 0.003, energy.size)
    e0, error = xas.refine_e0(energy, noisy, 8979.25)
    assert abs(e0 - 8979.13) < 4 * error < 0.4
    with pytest.raises(ValueError, match="sampled too coarsely"):
        xas.refine_e0(energy[::8], step[::8], 8979.0)


def test_fcc_cluster_shells() -> None:
    atoms = np.array(xas.make_cluster(3.6, "fcc", radius=3.7))
    distances = np.round(np.hypot.reduce(atoms, axis=1), 6)
    assert distances[0] == 0
    values, counts = np.unique(distances[1:], return_counts=True)
    np.testing.assert_allclose(values, [3.6 / np.sqrt(2), 3.6], atol=1e-6)
    assert counts.tolist() == [12, 6]
    bcc = np.hypot.reduce(np.array(xas.make_cluster(2.87, "bcc", radius=2.6)), axis=1)
    assert np.sum(np.isclose(bcc, 2.87 * np.sqrt(3) / 2)) == 8
    with pytest.raises(ValueError, match="unknown structure"):
        xas.make_cluster(3.6, "hcp")


def test_feff_inp_is_the_shipped_model() -> None:
    """The generator's FEFF files come from this input (rerun FEFF6L if it changes)."""
    made = xas.make_feff_inp("Cu", 29, 3.61, title="Cu fcc a=3.6100 (panhub synthetic XAS)")
    shipped = (synthetic_xas.FEFF_FOLDER / "feff.inp").read_text()
    assert made == shipped
    lines = made.splitlines()
    atoms = lines[lines.index("ATOMS") + 1 : lines.index("END")]
    assert atoms[0].split()[:4] == ["0.00000", "0.00000", "0.00000", "0"]
    assert all(line.split()[3] == "1" for line in atoms[1:])
    assert "HOLE 4 1.0" in xas.make_feff_inp("Au", 79, 4.08, edge="L3")
    with pytest.raises(ValueError, match="edge 'M5'"):
        xas.make_feff_inp("Au", 79, 4.08, edge="M5")


def test_mode_and_text_from_an_nxxas_entry(tmp_path: Path) -> None:
    truth = synthetic_xas.write_xas_scan(tmp_path / "scan.nxs")
    with h5py.File(truth.path, "a") as f:
        assert xas.require_mode(f["entry"]) == "Transmission"
        assert xas.read_text(f["entry"], "sample/name") == "Cu reference (synthetic)"
        assert xas.read_text(f["entry"], "nothing", "?") == "?"
        del f["entry/data/mode"]
        f["entry/data/mode"] = "transmission"
        with pytest.raises(InputError, match=r"'transmission'.*Transmission"):
            xas.require_mode(f["entry"])
        del f["entry/data/mode"]
        with pytest.raises(InputError, match="no NXdata with a `mode`"):
            xas.require_mode(f["entry"])


def make_result() -> xas.XasResult:
    energy = np.linspace(8900.0, 9500.0, 50)
    k = np.linspace(0.0, 12.0, 30)
    r = np.linspace(0.0, 6.0, 40)
    return xas.XasResult(
        energy=energy,
        mu=np.linspace(0.0, 1.0, 50),
        norm=np.linspace(0.0, 1.0, 50),
        k=k,
        chi=np.sin(5 * k) / 10,
        chi_fit=np.sin(5 * k) / 11,
        kweight=2,
        r=r,
        chir_mag=np.exp(-((r - 2.2) ** 2)),
        chir_fit_mag=np.exp(-((r - 2.2) ** 2)),
        fitted={
            "e0": xas.Fitted(8979.04, 0.04, "eV", "edge energy", 8979.0),
            "r": xas.Fitted(2.539, 0.003, "angstrom", "first-shell distance"),
            "n": xas.Fitted(12.0, None, "", "fixed"),
        },
        parameters={"kmin": (3.0, "1/angstrom"), "window": ("hanning", "")},
    )


def test_result_is_valid_nxxasproc(tmp_path: Path) -> None:
    raw = synthetic_xas.write_xas_scan(tmp_path / "raw.nxs").path
    out = tmp_path / "fit.nxs"
    xas.write_xasproc(
        out,
        make_result(),
        raw_file=raw,
        title="fit",
        sample="Cu",
        template="xas/01-normalize-fit",
        template_parameters={"raw_file": raw, "kmin": 3.0},
        model="feffit: 1 path",
        notes={"feff_inp": "TITLE x\nEND\n"},
    )
    assert_nexus_valid(out)
    with h5py.File(out, "r") as f:
        entry = f["entry"]
        assert entry["definition"][()] == b"NXxasproc"
        reduction = entry["XAS_data_reduction"]
        assert reduction.attrs["NX_class"] == "NXprocess"
        assert reduction["parameters"].attrs["NX_class"] == "NXparameters"
        assert reduction["parameters/raw_file"][()].decode() == raw
        assert reduction["parameters/kmin"].attrs["units"] == "1/angstrom"
        fit = reduction["results"]
        assert fit.attrs["model"] == "feffit: 1 path"
        assert fit["e0"][()] == 8979.04
        assert (fit["e0"].attrs["error"], fit["e0"].attrs["initial"]) == (0.04, 8979.0)
        assert fit["r"].attrs["units"] == "angstrom"
        assert "error" not in fit["n"].attrs and "units" not in fit["n"].attrs
        assert reduction["feff_inp/data"][()].decode().startswith("TITLE")
        np.testing.assert_allclose(
            reduction["chi_k/chi_kw"][()],
            np.sin(5 * np.linspace(0, 12, 30)) / 10 * np.linspace(0, 12, 30) ** 2,
        )
        assert reduction["chi_r"].attrs["auxiliary_signals"].tolist() == ["chir_fit_mag"]
        process = entry["XAS_data_reduction"]
        assert json.loads(process["parameters/template_parameters"][()])["kmin"] == 3.0
        assert process["input_1/checksum"][()].decode() == results.sha256(raw)
