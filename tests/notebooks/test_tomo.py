"""The tomography template on its kernel: axis and slices of a phantom with known geometry.

The input is :func:`panhub_nexus.synthetic.tomo.write_nxtomo`'s scan: flat and dark
fields, ring-making gain errors, Poisson and read-out noise, and a rotation axis 4.37 px
off-centre and tilted by 0.8 degrees. The bounds, and what the same pipeline measured
over seeds 0 to 7:

* centre: within 0.5 px of the true axis on every row where the template measured it
  (the issue's target; measured at most 0.085 to 0.135 px), and the fitted axis within
  0.2 px on every reconstructed row (measured at most 0.04 to 0.06 px);
* tilt: within 0.1 degrees (measured -0.023 to -0.066: find_center_vo's centres carry a
  content-dependent error of a few 0.01 px, which over the 43 rows spanned is a few
  0.01 degrees, and leans one way on this phantom);
* slices: the relative L2 error inside the field of view, ||slice - phantom|| / ||phantom||
  against the phantom averaged over each pixel, below 0.17 on every slice (measured 0.136
  to 0.149). Noise-free, ring-free data with the exact axis give 0.104 to 0.113 (the
  floor of filtered back-projection on the phantom's 2-pixel shell); the same
  reconstruction with the centre 0.25 px off gives 0.205 to 0.222, 0.5 px off 0.33 to
  0.34, and without the tilt correction up to 0.186 on the outer rows: the bound fails
  each of them. In the phantom's flat regions, where rings and noise show, the RMS error
  stays below 0.025 of the shell's attenuation (measured 0.0105 to 0.020; without ring
  removal up to 0.029).
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import results
from panhub_nexus.synthetic import tomo
from scipy import ndimage

from tests.support.nexus import assert_nexus_valid
from tests.support.templates import Run, index_proposal, run_template

TEMPLATE = "tomo/01-reconstruct-slice.ipynb"
KERNEL = "tomo-2026.12.1"
CENTRE_TOLERANCE = 0.5  # px, on every row measured (the target)
FIT_TOLERANCE = 0.2  # px, the fitted axis on every reconstructed row
TILT_TOLERANCE = 0.1  # degrees
SECONDS = 180  # the bound per template (this one takes 30 to 40 s)
NRMSE_BOUND = 0.17  # relative L2 error of each slice inside the field of view
FLAT_RMS_BOUND = 0.025  # RMS error in the phantom's flat regions, / shell attenuation


def read_result(path: Path) -> dict[str, np.ndarray]:
    """The slices, their axes and the axis found, as the template wrote them."""
    with h5py.File(path, "r") as f:
        data = f["entry/data"]
        found = f["entry/reconstruction/parameters"]
        out = {name: data[name][()] for name in ("data", "x", "y", "z", "detector_row")}
        for name in ("tilt", "tilt_error", "measured_rows", "measured_centres", "slice_centres"):
            out[name] = found[name][()]
        out["units"] = np.array(data["data"].attrs["units"])
    return out


def notes(path: Path) -> dict[str, str]:
    """The provenance notes (``NXnote`` ``data``/``checksum``) by name."""
    with h5py.File(path, "r") as f:
        process = f["entry/reconstruction"]
        found = {"program": process["program"][()].decode()}
        for name, node in process.items():
            if isinstance(node, h5py.Group) and "data" in node:
                found[name] = node["data"][()].decode()
            if isinstance(node, h5py.Group) and "checksum" in node:
                found[name] = node["checksum"][()].decode()
    return found


def slice_errors(
    truth: tomo.TomoTruth, result: dict[str, np.ndarray], k: int
) -> tuple[float, float]:
    """Relative L2 error in the field of view, and RMS error (/ mu) in flat regions."""
    row = float(result["detector_row"][k])
    phantom = truth.phantom_slice(row, result["x"], result["y"])
    image = result["data"][k]
    fov = np.isfinite(image)
    nrmse = np.linalg.norm((image - phantom)[fov]) / np.linalg.norm(phantom[fov])
    flat = ndimage.maximum_filter(phantom, 7) == ndimage.minimum_filter(phantom, 7)
    flat &= fov & (phantom > 0)
    flat_rms = np.sqrt(np.mean((image - phantom)[flat] ** 2)) / truth.mu
    return float(nrmse), float(flat_rms)


def run(out: Path, raw: Path, **parameters: object) -> Run:
    done = run_template(TEMPLATE, out, {"raw_file": str(raw), **parameters})
    print(f"{TEMPLATE}: {done.seconds:.1f} s")
    return done


@pytest.fixture
def scan(proposal: Path) -> tomo.TomoTruth:
    raw = proposal / "raw" / "tomo" / "phantom.nxs"
    raw.parent.mkdir()
    return tomo.write_nxtomo(raw, seed=1)


def test_template_finds_the_axis_and_reconstructs_the_phantom(
    staff_kernels: Path, proposal: Path, scan: tomo.TomoTruth, tmp_path: Path
) -> None:
    raw = Path(scan.path)
    first = run(tmp_path / "first.ipynb", raw)
    assert first.returncode == 0, first.error or first.log[-3000:]
    assert first.seconds <= SECONDS
    result = proposal / "processed" / "tomo" / "phantom_slices.nxs"
    assert_nexus_valid(result)
    found = read_result(result)

    # the rotation axis
    measured = found["measured_centres"] - scan.centre_at(found["measured_rows"])
    print("centre error per row measured (px):", np.round(measured, 3))
    assert len(measured) >= 20
    assert np.all(np.abs(measured) < CENTRE_TOLERANCE)
    fitted = found["slice_centres"] - scan.centre_at(found["detector_row"])
    assert np.all(np.abs(fitted) < FIT_TOLERANCE), fitted
    print(f"tilt {found['tilt']:.3f} +- {found['tilt_error']:.3f} deg (true {scan.tilt})")
    assert abs(found["tilt"] - scan.tilt) < TILT_TOLERANCE
    assert found["tilt_error"] < TILT_TOLERANCE

    # the slices against the phantom
    assert found["units"] == "1/mm"
    assert found["data"].shape == (8, scan.shape[2], scan.shape[2])
    np.testing.assert_allclose(np.diff(found["x"]), scan.pixel_size)
    for k in range(found["data"].shape[0]):
        fov = np.isfinite(found["data"][k])
        assert fov.sum() > 0.9 * np.pi * (scan.shape[2] / 2 - abs(scan.centre - 79.5) - 2) ** 2
        nrmse, flat_rms = slice_errors(scan, found, k)
        print(f"row {found['detector_row'][k]}: NRMSE {nrmse:.3f}, flat-region RMS {flat_rms:.4f}")
        assert nrmse < NRMSE_BOUND
        assert flat_rms < FLAT_RMS_BOUND

    # provenance
    made = notes(result)
    assert made["program"] == "scikit-image"
    assert made["kernel"] == KERNEL
    assert made["template"] == "tomo/01-reconstruct-slice"
    assert made["input_1"] == results.sha256(raw)
    assert "algotom" in json.loads(made["libraries"])
    with h5py.File(result, "r") as f:
        settings = f["entry/reconstruction/parameters"]
        assert json.loads(settings["template_parameters"][()])["raw_file"] == str(raw)
        assert settings["raw_file"][()].decode() == str(raw)

    # a second run writes a new file and leaves the first as it was
    before = result.read_bytes()
    second = run(tmp_path / "second.ipynb", raw, slice_rows=[24])
    assert second.returncode == 0, second.error or second.log[-3000:]
    again = proposal / "processed" / "tomo" / "phantom_slices-2.nxs"
    assert_nexus_valid(again)
    assert read_result(again)["data"].shape[0] == 1
    assert result.read_bytes() == before

    # the catalogue's indexer finds both results as the proposal's processed dataset
    kinds, files = index_proposal(proposal, tmp_path / "catalogue.sqlite")
    assert kinds == {"raw/tomo": "raw", "processed/tomo": "processed"}, kinds
    assert {str(result), str(again)} <= files, files


def _first_reduction_cell(run: Run) -> int:
    cells = run.notebook["cells"]
    return next(
        i for i, cell in enumerate(cells) if "flat_field_correction" in "".join(cell["source"])
    )


@pytest.mark.parametrize(
    ("change", "parameters", "message"),
    [
        ("none", {"raw_file": ""}, "no input file: set `raw_file`"),  # past the catalogue
        ("no_pixel_size", {}, "x_pixel_size is missing"),
        ("none", {"slice_rows": [10, 48]}, "slice_rows [48] are not rows of the detector"),
    ],
)
def test_template_stops_on_bad_input_with_what_to_change(
    staff_kernels: Path,
    proposal: Path,
    scan: tomo.TomoTruth,
    tmp_path: Path,
    change: str,
    parameters: dict[str, object],
    message: str,
) -> None:
    raw = Path(scan.path)
    if change == "no_pixel_size":
        with h5py.File(raw, "a") as f:
            del f["entry/instrument/detector/x_pixel_size"]
    done = run(tmp_path / "bad.ipynb", raw, **parameters)
    assert done.returncode != 0
    assert done.error is not None
    assert done.error[0] == "InputError"
    assert message in done.error[1]
    failed = done.failed_cell
    assert failed < _first_reduction_cell(done)
    assert "inputs." in "".join(done.notebook["cells"][failed]["source"])
    assert not (proposal / "processed" / "tomo").exists()
