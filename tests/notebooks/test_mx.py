"""The MX template on its kernel: spots, resolution and the processing result's cell.

The input is a synthetic NXmx rotation series of lysozyme with a known answer (spot
centres, the crystal's diffraction limit, the MTZ's cell and space group); the template
must recover it from what it writes in the proposal's ``processed/`` area.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import nxwrite, results
from panhub_nexus.reduce.mx import match_spots
from panhub_nexus.synthetic import mx

from tests.support.nexus import assert_nexus_valid
from tests.support.templates import NOTEBOOKS, index_proposal, run_template

TEMPLATE = "mx/01-find-spots.ipynb"
KERNEL = "mx-2026.12.1"
CHECK_CELL = 6
"""Index of the template's cell that checks the parameters and the input."""


def text(node: h5py.Dataset) -> str:
    value = node[()]
    return value.decode() if isinstance(value, bytes) else str(value)


def test_template_recovers_spots_resolution_and_cell(
    staff_kernels: Path, proposal: Path, tmp_path: Path
) -> None:
    (proposal / "raw" / "mx").mkdir()
    truth = mx.write_rotation_series(proposal / "raw" / "mx" / "lyso_0001.nxs", seed=0)
    run = run_template(TEMPLATE, tmp_path / "run.ipynb", {"raw_file": truth.path})
    print(f"MX template: {run.seconds:.1f} s")
    assert run.returncode == 0, run.error or run.log[-3000:]
    assert run.seconds < 180

    result = proposal / "processed" / "mx" / "lyso_0001-spots.nxs"
    assert_nexus_valid(result)
    with h5py.File(result, "r") as f:
        entry = f["entry"]
        assert text(entry["definition"]) == "NXmx"
        refl = entry["reflections"]
        x, y = refl["observed_px_x"][()], refl["observed_px_y"][()]
        i_over_sigma = refl["int_sum"][()] / np.sqrt(refl["int_sum_var"][()])
        estimate = float(entry["spot_finding/resolution_estimate"][()])
        checks = {k: bool(entry[f"spot_finding/{k}"][()]) for k in ("space_group_matches_expected", "cell_matches_expected", "cell_fits_space_group", "wavelength_matches_raw")}  # fmt: skip
        cell = np.r_[
            entry["sample/unit_cell_abc"][()], entry["sample/unit_cell_alphabetagamma"][()]
        ]
        space_group = text(entry["sample/space_group"])
        process = entry["process"]
        assert text(process["kernel/data"]) == KERNEL
        assert text(process["template/data"]) == "mx/01-find-spots"
        inputs = {text(process[f"input_{i}/file_name"]): text(process[f"input_{i}/checksum"]) for i in (1, 2)}  # fmt: skip
        assert inputs == {truth.path: results.sha256(truth.path), truth.mtz_path: results.sha256(truth.mtz_path)}  # fmt: skip

    # spots: matched one to one within a pixel; strong ones within 0.5 px of the truth
    spots = truth.spots
    found, true, distance = match_spots(np.c_[x, y], np.c_[spots.x, spots.y], radius=1.0)
    countable = (spots.fraction >= 0.5) & ~spots.masked
    recall = np.isin(np.flatnonzero(countable), true).mean()
    clear = ~spots.masked[true]
    strong = clear & (i_over_sigma[found] >= 10)
    print(
        f"spots: {len(x)} found, {len(found)} matched; recall {recall:.1%} of the "
        f"{countable.sum()} unmasked spots recorded at least half; centroid error "
        f"rms {np.sqrt(np.mean(distance**2)):.3f} px, max {distance[strong].max():.3f} px "
        f"({strong.sum()} spots with I/sigma >= 10)"
    )
    assert recall >= 0.95
    assert len(found) / len(x) >= 0.98  # no hot pixel, cosmic ray or gap taken for a spot
    assert strong.sum() > 300
    assert distance[strong].max() <= 0.5
    assert np.sqrt(np.mean(distance**2)) <= 0.25

    # resolution: the crystal's limit, not the detector's corners (1.35 Å)
    print(f"resolution: {estimate:.3f} Å, truth {truth.d_min} Å")
    assert estimate == pytest.approx(truth.d_min, abs=0.1)

    # the processing result's cell and space group, exactly as written
    np.testing.assert_allclose(cell, truth.crystal.cell, atol=1e-4)
    assert space_group == truth.crystal.space_group.name == "P 43 21 2"
    assert checks == dict.fromkeys(checks, True)

    # a second run writes a new file and leaves the first as it was
    before = results.sha256(result)
    again = run_template(TEMPLATE, tmp_path / "again.ipynb", {"raw_file": truth.path})
    assert again.returncode == 0, again.error
    assert (result.parent / "lyso_0001-spots-2.nxs").is_file()
    assert results.sha256(result) == before

    # the catalogue's indexer finds both results as the proposal's processed dataset
    kinds, files = index_proposal(proposal, tmp_path / "catalogue.sqlite")
    assert kinds == {"raw/mx": "raw", "processed/mx": "processed"}, kinds
    assert {str(result), str(result.parent / "lyso_0001-spots-2.nxs")} <= files, files


def write_sas(path: Path) -> None:
    """A file of another technique (it declares NXsas)."""
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="test")
        entry = nxwrite.group(f, "entry", "NXentry")
        nxwrite.field(entry, "definition", "NXsas")


def drop_distance(path: Path) -> None:
    with h5py.File(path, "a") as f:
        del f["entry/instrument/detector/distance"]


@pytest.mark.parametrize(
    ("case", "parameters", "message"),
    [
        ("no-distance", {}, "instrument/detector/distance is missing"),
        ("saxs-file", {}, "is NXsas, not NXmx"),
        ("bad-n-sigma", {"n_sigma": -1}, "n_sigma > 0"),
        ("no-mtz", {"processing_result": "nowhere.mtz"}, "set `processing_result`"),
    ],
)
def test_bad_input_stops_at_the_checks(
    staff_kernels: Path,
    proposal: Path,
    tmp_path: Path,
    case: str,
    parameters: dict[str, object],
    message: str,
) -> None:
    (proposal / "raw" / "mx").mkdir()
    raw = proposal / "raw" / "mx" / "lyso_0001.nxs"
    truth = mx.write_rotation_series(raw)
    if case == "no-distance":
        drop_distance(raw)
    elif case == "saxs-file":
        raw = proposal / "raw" / "mx" / "agbeh.nxs"
        write_sas(raw)
    run = run_template(TEMPLATE, tmp_path / "run.ipynb", {"raw_file": str(raw), **parameters})
    assert run.returncode != 0
    assert run.error is not None and run.error[0] == "InputError", run.error
    assert message in run.error[1]
    failed = [
        "".join(cell["source"])
        for cell in run.notebook["cells"]
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    ]
    template = json.loads((NOTEBOOKS / TEMPLATE).read_text())
    assert failed == ["".join(template["cells"][CHECK_CELL]["source"])]  # the checks cell
    assert not (proposal / "processed" / "mx").exists() or not any(
        (proposal / "processed" / "mx").iterdir()
    )
    assert Path(truth.mtz_path).is_file()


def test_gemmi_reads_the_generated_mtz(staff_kernels: Path, tmp_path: Path) -> None:
    """The MTZ the generator writes in numpy is one gemmi (on the MX kernel) reads."""
    series = mx.write_rotation_series(tmp_path / "lyso.nxs")
    python = staff_kernels / "envs" / KERNEL / "bin" / "python"
    script = (
        "import gemmi, json, sys; m = gemmi.read_mtz_file(sys.argv[1]); "
        "print(json.dumps([m.spacegroup.hm, m.cell.parameters, m.nreflections, "
        "m.resolution_high(), [c.label for c in m.columns], m.datasets[1].wavelength]))"
    )
    done = subprocess.run(
        [str(python), "-c", script, series.mtz_path], capture_output=True, text=True, check=True
    )
    hm, cell, nref, d_min, labels, wavelength = json.loads(done.stdout)
    assert hm == "P 43 21 2"
    np.testing.assert_allclose(cell, series.crystal.cell, atol=1e-4)
    assert nref == series.n_reflections
    assert d_min == pytest.approx(series.d_min, abs=0.01)
    assert labels == ["H", "K", "L", "IMEAN", "SIGIMEAN"]
    assert wavelength == pytest.approx(series.geometry.wavelength, abs=1e-5)
