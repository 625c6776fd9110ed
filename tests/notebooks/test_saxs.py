"""The SAXS template recovers the radius and polydispersity of synthetic spheres.

The raw NXsas image (``panhub_nexus.synthetic.saxs``) holds polydisperse spheres on a
sloped background, seeded Poisson noise, module gaps and a beam stop flagged in
``pixel_mask``; the template must find the mean radius within 2 % and the
polydispersity within 20 % (relative, issue 16) on the staff kernel ``saxs-2026.12.1``.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest
from panhub_nexus.reduce import saxs as cansas
from panhub_nexus.synthetic import powder, saxs

from tests.support.nexus import assert_nexus_valid
from tests.support.templates import (
    assert_provenance,
    assert_second_run_keeps_first,
    index_proposal,
    run_template,
)

TEMPLATE = "saxs/01-integrate-fit.ipynb"
RADIUS_TOLERANCE = 0.02  # relative
POLYDISPERSITY_TOLERANCE = 0.20  # relative
SECONDS = 180  # the bound per template


@pytest.fixture
def spheres(proposal: Path) -> saxs.SaxsTruth:
    folder = proposal / "raw" / "saxs"
    folder.mkdir()
    return saxs.write_polydisperse_spheres(
        folder / "spheres_0001.nxs", seed=11, radius=48.0, polydispersity=0.12
    )


def test_template_recovers_radius_and_polydispersity(
    staff_kernels: Path, proposal: Path, spheres: saxs.SaxsTruth, tmp_path: Path
) -> None:
    run = run_template(TEMPLATE, tmp_path / "run1.ipynb", {"raw_file": spheres.path})
    print(f"saxs template: {run.seconds:.1f} s")
    assert run.returncode == 0, run.log[-3000:]
    assert run.seconds <= SECONDS
    out = proposal / "processed" / "saxs" / "spheres_0001_sphere-fit.nxs"
    assert out.is_file(), sorted(proposal.rglob("*"))
    assert_nexus_valid(out)
    with h5py.File(out, "r") as f:
        entry = f["entry"]
        assert entry["definition"].asstr()[()] == "NXcanSAS"
        assert entry["sasdata/Q"].attrs["units"] == "1/angstrom"
        assert entry["sasdata/Idev"].shape == entry["sasdata/I"].shape
        fit = cansas.read_fit(entry, "sphere_fit")
        radius, pd = fit["radius"], fit["polydispersity"]
        print(
            f"radius {radius.value:.3f} ± {radius.error:.3f} Å (truth {spheres.radius}), "
            f"polydispersity {pd.value:.4f} ± {pd.error:.4f} (truth {spheres.polydispersity})"
        )
        assert radius.units == "angstrom"
        assert abs(radius.value / spheres.radius - 1) <= RADIUS_TOLERANCE
        assert abs(pd.value / spheres.polydispersity - 1) <= POLYDISPERSITY_TOLERANCE
        assert 0 < radius.error < RADIUS_TOLERANCE * spheres.radius
        assert 0 < pd.error < POLYDISPERSITY_TOLERANCE * spheres.polydispersity
        # the background's slope was fitted, with the sign the sample has
        assert fit["background_slope"].value < 0
        assert_provenance(
            entry["reduction"],
            kernel="saxs-2026.12.1",
            template="saxs/01-integrate-fit",
            raw_file=spheres.path,
        )

    second = out.with_name("spheres_0001_sphere-fit-2.nxs")
    assert_second_run_keeps_first(
        TEMPLATE, tmp_path / "run2.ipynb", {"raw_file": spheres.path}, out, second
    )

    # the catalogue's indexer finds both results as the proposal's processed dataset
    kinds, files = index_proposal(proposal, tmp_path / "catalogue.sqlite")
    assert kinds == {"raw/saxs": "raw", "processed/saxs": "processed"}, kinds
    assert {str(out), str(second)} <= files, files


def test_template_stops_on_a_powder_file(
    staff_kernels: Path, proposal: Path, tmp_path: Path
) -> None:
    folder = proposal / "raw" / "powder"
    folder.mkdir()
    other = powder.write_si_lab6(folder / "si.nxs", oversample=1)
    run = run_template(TEMPLATE, tmp_path / "bad.ipynb", {"raw_file": other.path})
    assert run.returncode != 0
    assert run.error is not None
    name, message = run.error
    assert name == "InputError"
    assert f"{other.path} is NXmx, not NXsas" in message  # what is wrong, with which file
    failed = run.failed_cell
    assert "inputs.open_input" in "".join(run.notebook["cells"][failed]["source"])
    # the template's third code cell: only the parameters and the catalogue ran before
    assert run.code_cells_before(failed) == 2
    assert not (proposal / "processed" / "powder").exists()
