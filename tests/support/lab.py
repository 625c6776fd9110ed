"""A throw-away JupyterLab and a Chromium page showing a NexusViewer (browser benchmark).

The benchmark starts a plain JupyterLab (no hub, no SLURM: the widget alone) from
the panhub venv on 127.0.0.1 with a token; its kernels import the working tree.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.support.browser import ARGS, CHROMIUM  # noqa: F401 - re-exported for the benchmark
from tests.support.processes import serving

VENV = Path("/opt/panhub/venv")
CHROMIUM_ARGS = ARGS
ROOT = Path(__file__).resolve().parents[2]
VIEWER_SRC = ROOT / "extensions" / "nexus_viewer"
ARTIFACTS = ROOT / "artifacts"
VISIBLE = ".jp-MainAreaWidget:not(.lm-mod-hidden)"
"""The notebook panel in front (JupyterLab keeps other open notebooks, hidden)."""
VIEWER_JS = f"document.querySelector('{VISIBLE} .phx')"
"""JavaScript expression: the viewer of the notebook in front."""
CATALOGUE = ROOT / "extensions" / "catalogue"
"""The ``@panhub/catalogue`` extension's folder (its Python package and its sources)."""
CATALOGUE_BUILD = CATALOGUE / "labextension"
JLPM = str(VENV / "bin" / "jlpm")


def write_notebook(path: Path, code: str) -> None:
    """Write a one-cell notebook running `code`."""
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": code, "outputs": [],
                   "execution_count": None}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    path.write_text(json.dumps(notebook))


@contextlib.contextmanager
def running_lab(
    root: Path,
    port: int = 8890,
    deadline: float = 90.0,
    *,
    root_dir: Path | None = None,
    pythonpath: Sequence[Path] = (),
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Start JupyterLab serving `root`; yield its base URL with the token; stop it.

    The news toast is switched off (stable screenshots) and the kernels import the
    viewer from the working tree (PYTHONPATH), not from an installed copy.
    `root_dir` serves another folder than `root` (which keeps the settings and the
    log), `pythonpath` puts more working-tree folders first on the server's path,
    `extra_args` go to ``jupyter lab`` as they are, `env` adds variables to the server's
    environment (e.g. the catalogue's URL and a token for its server extension).
    """
    token = secrets.token_hex(16)
    settings = root / ".lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    path = os.pathsep.join(str(p) for p in (*pythonpath, VIEWER_SRC))
    env = dict(os.environ, **(env or {}), PYTHONPATH=path, JUPYTER_PLATFORM_DIRS="1")
    argv = [str(VENV / "bin" / "jupyter"), "lab", "--allow-root", "--no-browser",
            f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root_dir or root}",
            f"--LabApp.user_settings_dir={root / '.lab-settings'}",
            f"--LabApp.workspaces_dir={root / '.lab-workspaces'}", *extra_args]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with serving(argv, f"{url}/api/status?token={token}", root / "lab.log", cwd=root,
                 env=env, what="jupyter lab", deadline=deadline):  # fmt: skip
        yield f"{url}|{token}"


def open_viewer(page, lab: str, notebook: str, timeout_ms: int = 90_000):
    """Open `notebook` in JupyterLab, run its cell, return the viewer's root locator."""
    url, token = lab.split("|")
    # "reset": a fresh workspace, without the notebooks of an earlier page
    page.goto(f"{url}/lab/tree/{notebook}?reset&token={token}")
    try:
        page.wait_for_selector(f"{VISIBLE} .jp-Notebook .jp-Cell", timeout=timeout_ms)
        # the kernel is ready when the status bar says so
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=timeout_ms)
        prompt = page.locator(f"{VISIBLE} .jp-Cell .jp-InputPrompt").first
        for _attempt in range(3):  # a key press can be lost while the kernel settles
            page.click(f"{VISIBLE} .jp-Cell .jp-InputArea-editor")
            page.keyboard.press("Shift+Enter")
            with contextlib.suppress(Exception):
                page.wait_for_function(
                    "p => p.textContent.trim() !== '[ ]:'", arg=prompt.element_handle(),
                    timeout=10_000,
                )  # fmt: skip
                break
        root = page.locator(f"{VISIBLE} .phx")
        root.wait_for(timeout=timeout_ms)
        page.wait_for_function(f"() => Number({VIEWER_JS}?.dataset.framesShown || 0) >= 1",
                               timeout=timeout_ms)  # fmt: skip
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "nexus_viewer_failure.png"))
        raise
    return root


def is_stale(build: Path, sources: list[Path]) -> bool:
    """Whether the extension build is missing or older than one of its sources."""
    built = build / "package.json"
    if not built.exists():
        return True
    newest = max(f.stat().st_mtime for folder in sources for f in folder.rglob("*") if f.is_file())
    return newest > built.stat().st_mtime


def build_catalogue_extension() -> Path:
    """The working tree's labextension, built (dev build) if missing or stale."""
    sources = [CATALOGUE / "src", CATALOGUE / "style", CATALOGUE / "schema"]
    if is_stale(CATALOGUE_BUILD, sources):
        env = dict(os.environ, PATH=f"{VENV / 'bin'}:{os.environ['PATH']}")
        if not (CATALOGUE / "node_modules").exists():
            subprocess.run([JLPM, "install"], cwd=CATALOGUE, env=env, check=True, timeout=600)
        subprocess.run([JLPM, "build"], cwd=CATALOGUE, env=env, check=True, timeout=600)
    return CATALOGUE_BUILD


def catalogue_lab_args(work: Path, extension: Path) -> list[str]:
    """``jupyter lab`` arguments loading `extension` (linked under `work`) over the venv's."""
    parent = work / "labextensions" / "@panhub"
    parent.mkdir(parents=True)
    (parent / "catalogue").symlink_to(extension)
    return [
        f"--LabServerApp.extra_labextensions_path={work / 'labextensions'}",
        "--LabApp.expose_app_in_browser=True",
    ]


def get_json(lab: str, route: str) -> Any:
    """GET `route` of the Lab that :func:`running_lab` yielded, as JSON."""
    url, token = lab.split("|")
    sep = "&" if "?" in route else "?"
    with urllib.request.urlopen(f"{url}/{route}{sep}token={token}", timeout=10) as r:
        return json.load(r)
