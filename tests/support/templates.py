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

from tests.support.kernels import PREFIX, ROOT

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
