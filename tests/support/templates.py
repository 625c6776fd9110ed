"""Run a template notebook as CI does: papermill, on the staff kernel it names.

The notebook runs in a subprocess (``python -m papermill``) whose kernels are found
only in the kernels prefix (``JUPYTER_PATH``), so a template that names a kernel that
was not built fails instead of falling back to another Python. The kernel inherits the
environment: a ``PYTHONPATH`` set for the tests reaches it (how a working tree's
``panhub_nexus`` is tried on a built kernel before the kernel is rebuilt).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import h5py
from panhub_catalogue.db import make_engine, make_sessionmaker, migrate
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.model import Datafile, Dataset
from panhub_nexus import results
from sqlalchemy import select

from tests.support.kernels import PREFIX, ROOT
from tests.support.nexus import assert_nexus_valid

NOTEBOOKS = ROOT / "notebooks"


@dataclasses.dataclass(frozen=True)
class Run:
    """A template's run: the executed notebook, its time, and its error if it failed."""

    notebook: dict[str, Any]
    seconds: float
    returncode: int
    log: str

    @property
    def error(self) -> tuple[str, str] | None:
        """``(ename, evalue)`` of the first cell that raised, or ``None``."""
        for cell in self.notebook.get("cells", []):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    return output["ename"], output["evalue"]
        return None

    @property
    def failed_cell(self) -> int:
        """Index of the first cell that raised (``StopIteration`` when none did)."""
        cells = self.notebook["cells"]
        return next(
            i for i, cell in enumerate(cells)
            if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        )  # fmt: skip

    def code_cells_before(self, index: int) -> int:
        """How many code cells stand before cell ``index``, papermill's parameters aside."""
        return len([
            c for c in self.notebook["cells"][:index]
            if c["cell_type"] == "code" and "injected-parameters" not in c["metadata"].get("tags", [])
        ])  # fmt: skip

    def text(self) -> str:
        """Every stream and text/plain output, in order (what the user read)."""
        parts = []
        for cell in self.notebook.get("cells", []):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    parts.append("".join(output["text"]))
                elif "text/plain" in output.get("data", {}):
                    parts.append("".join(output["data"]["text/plain"]))
        return "\n".join(parts)


def read_kernel_name(template: Path) -> str:
    """The kernel a template names in its metadata (``kernelspec.name``)."""
    return str(json.loads(template.read_text())["metadata"]["kernelspec"]["name"])


def run_template(
    template: str | Path,
    out: Path,
    parameters: dict[str, Any],
    *,
    cwd: Path | None = None,
    timeout: float = 600,
) -> Run:
    """Execute ``notebooks/<template>`` with ``parameters`` on the kernel it names.

    Parameters
    ----------
    template
        Path under ``notebooks/`` (``"saxs/01-integrate-fit.ipynb"``) or absolute.
    out
        Where the executed notebook is written.
    parameters
        Injected after the ``parameters``-tagged cell (as papermill does).
    cwd
        The kernel's working folder (default: ``out``'s folder).
    """
    source = NOTEBOOKS / template
    kernel = read_kernel_name(source)
    env = dict(os.environ, JUPYTER_PATH=str(PREFIX / "share" / "jupyter"))
    env.pop("JUPYTER_DATA_DIR", None)
    params = out.with_suffix(".parameters.json")
    params.write_text(json.dumps(parameters))
    command = [
        sys.executable, "-m", "papermill", str(source), str(out),
        "-k", kernel, "-f", str(params), "--cwd", str(cwd or out.parent),
        "--no-progress-bar", "--log-output",
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.monotonic() - started
    notebook = json.loads(out.read_text()) if out.exists() else {}
    return Run(notebook, seconds, done.returncode, done.stdout + done.stderr)


def assert_provenance(process: h5py.Group, *, kernel: str, template: str, raw_file: str) -> None:
    """Check the provenance a template wrote for a result made from one raw file.

    Parameters
    ----------
    process
        The result's NXprocess group written by ``results.write_provenance``.
    kernel
        The staff kernel it must name (``"saxs-2026.12.1"``).
    template
        The template it must name (``"saxs/01-integrate-fit"``).
    raw_file
        The ``raw_file`` parameter: the first input, whose checksum must match the file.
    """
    assert process["kernel/data"].asstr()[()] == kernel
    assert process["template/data"].asstr()[()] == template
    settings = process["parameters/template_parameters"].asstr()[()]
    assert json.loads(settings)["raw_file"] == raw_file
    assert process["input_1/file_name"].asstr()[()] == raw_file
    assert process["input_1/checksum"].asstr()[()] == results.sha256(raw_file)


def assert_second_run_keeps_first(
    template: str, notebook: Path, parameters: dict[str, Any], out: Path, second: Path
) -> None:
    """Run ``template`` again: it must write a valid ``second`` and leave ``out`` as it was.

    Parameters
    ----------
    template
        Path under ``notebooks/``, as for :func:`run_template`.
    notebook
        Where the second executed notebook is written.
    parameters
        The same parameters as the first run.
    out
        The first run's result, which must keep its bytes.
    second
        The result the second run must write beside it.
    """
    first = out.read_bytes()
    again = run_template(template, notebook, parameters)
    print(f"{Path(template).parts[0]} template, second run: {again.seconds:.1f} s")
    assert again.returncode == 0, again.log[-3000:]
    assert second.is_file()
    assert out.read_bytes() == first
    assert_nexus_valid(second)


def index_proposal(proposal: Path, database: Path) -> tuple[dict[str, str], set[str]]:
    """Index the proposals folder holding ``proposal`` as the catalogue's indexer does.

    Parameters
    ----------
    proposal
        A proposal's folder (its parent is indexed).
    database
        A new SQLite file for the catalogue.

    Returns
    -------
    kinds
        Each dataset's name and type (``{"processed/saxs": "processed", ...}``).
    files
        The location of every datafile.
    """
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    sessions = make_sessionmaker(engine)
    indexer = Indexer(root=str(proposal.parent), checksum="adler32", members_from_files=True)
    report = indexer.index(sessions, [proposal.parent])
    assert report.failed == [], report.failed
    with sessions() as session:
        kinds = {d.name: d.type for d in session.scalars(select(Dataset))}
        files = set(session.scalars(select(Datafile.location)))
    engine.dispose()
    return kinds, files
