"""NXcanSAS results of the SAXS template: valid, plottable, and the fit reads back."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import results
from panhub_nexus.reduce import saxs

from tests.support.nexus import assert_nexus_valid


@pytest.fixture
def result(tmp_path: Path) -> Path:
    raw = tmp_path / "raw.nxs"
    raw.write_bytes(b"raw data")
    path = tmp_path / "result.nxs"
    q = np.linspace(0.005, 0.25, 100)
    intensity = 1e3 / (1 + (50 * q) ** 4)
    with h5py.File(path, "w") as f:
        entry = saxs.write_cansas(
            f,
            q=q,
            intensity=intensity,
            sigma=np.sqrt(intensity),
            model=intensity * 1.01,
            title="spheres",
            run="raw.nxs",
            sample="silica",
            wavelength=1.0,
            distance=3000.0,
        )
        saxs.write_fit(
            entry,
            "sphere_fit",
            {"radius": saxs.FitValue(50.1, 0.2, "angstrom"), "pd": saxs.FitValue(0.1, 0.01)},
            description="sphere",
            extra={"reduced_chi2": 1.1, "q_min": (0.005, "1/angstrom")},
        )
        saxs.write_sasprocess(
            entry,
            program="h5py",
            template="saxs/01-integrate-fit",
            parameters={"n_bins": 100},
            inputs=[raw],
        )
    return path


def test_result_is_valid_nxcansas(result: Path) -> None:
    assert_nexus_valid(result)
    with h5py.File(result, "r") as f:
        entry = f["entry"]
        assert entry.attrs["canSAS_class"] == "SASentry"
        assert entry.attrs["version"] == "1.1"
        data = entry["sasdata"]
        assert data.attrs["signal"] == "I"
        assert data.attrs["I_axes"] == "Q"
        assert data["Q"].attrs["units"] == "1/angstrom"
        assert data["I"].attrs["uncertainties"] == "Idev"
        assert list(data.attrs["auxiliary_signals"]) == ["I_model"]
        assert entry["reduction"].attrs["canSAS_class"] == "SASprocess"
        assert entry["sphere_fit/q_min"].attrs["units"] == "1/angstrom"


def test_fit_reads_back(result: Path) -> None:
    with h5py.File(result, "r") as f:
        fit = saxs.read_fit(f["entry"], "sphere_fit")
    assert fit == {
        "radius": saxs.FitValue(50.1, 0.2, "angstrom"),
        "pd": saxs.FitValue(0.1, 0.01, ""),
    }


def test_provenance_records_the_input(result: Path) -> None:
    with h5py.File(result, "r") as f:
        process = f["entry/reduction"]
        assert process["template/data"].asstr()[()] == "saxs/01-integrate-fit"
        assert json.loads(process["parameters/template_parameters"].asstr()[()]) == {"n_bins": 100}
        raw = process["input_1/file_name"].asstr()[()]
        assert process["input_1/checksum"].asstr()[()] == results.sha256(raw)
