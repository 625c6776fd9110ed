"""Screenshots of the Launcher with panhub's staff kernels, before and after retiring one.

Run by hand (not a test: it starts JupyterLab servers and Chromium)::

    /opt/panhub/venv/bin/python -m tests.catalogue.lab.launcher_screenshots

It copies the installed ``saxs-2026.12`` kernelspec to a temporary JUPYTER_PATH folder as an
older version, ``saxs-2026.06`` (the real prefix is not touched), starts a token-less
JupyterLab on 127.0.0.1 that serves the working tree's build of ``@panhub/catalogue``
(``extensions/catalogue/labextension``, build it first with ``jlpm build:prod``), and
writes into ``artifacts/``:

* ``launcher-before.png``: ``saxs-2026.06`` not retired, in the Launcher;
* ``launcher-after.png``: ``saxs-2026.06`` retired, left out of the Launcher;
* ``launcher-notice.png``: a notebook naming ``saxs-2026.06`` opened, with the notice;
* ``launcher-shown.png``: the retired kernel shown again by the setting ``hideRetired: false``;
* ``launcher-stock.png``: the same retired kernel with the venv's installed extension
  (whatever build of ``@panhub/catalogue`` the venv holds), for comparison.

The servers run in their own process groups and are stopped at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.support.processes import serving

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts"
BUILD = ROOT / "extensions" / "catalogue" / "labextension"
VENV = Path("/opt/panhub/venv")
KERNELS = Path("/opt/panhub/kernels/share/jupyter")
SOURCE_SPEC = "saxs-2026.12"
OLD_VERSION = "2026.06"
OLD_SPEC = f"saxs-{OLD_VERSION}"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
PORT = int(os.environ.get("PANHUB_LAUNCHER_PORT", "8761"))
TIMEOUT_MS = 60_000


def write_old_spec(jupyter: Path, retired: bool) -> None:
    """``saxs-2026.06``: a copy of the installed SAXS kernelspec, an older version."""
    folder = jupyter / "kernels" / OLD_SPEC
    if not folder.exists():
        shutil.copytree(KERNELS / "kernels" / SOURCE_SPEC, folder)
    spec = json.loads((KERNELS / "kernels" / SOURCE_SPEC / "kernel.json").read_text())
    panhub = spec["metadata"]["panhub"]
    panhub.update(version=OLD_VERSION, retired=retired)
    suffix = ", retired" if retired else ""
    spec["display_name"] = f"{panhub['technique_label']} (saxs {OLD_VERSION}{suffix})"
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))


def write_notebook(path: Path) -> None:
    """An empty notebook saved with the old SAXS kernel."""
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": "import pyFAI",
                   "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": OLD_SPEC, "language": "python",
                                    "display_name": f"SAXS/WAXS (saxs {OLD_VERSION})"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    path.write_text(json.dumps(notebook))


@contextlib.contextmanager
def lab(tmp: Path, name: str, port: int, *, ours: bool) -> Iterator[str]:
    """A token-less JupyterLab on 127.0.0.1:`port`; with `ours`, serving the working tree's build."""
    home = tmp / name
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    args = []
    if ours:
        extensions = home / "labextensions" / "@panhub"
        extensions.mkdir(parents=True)
        (extensions / "catalogue").symlink_to(BUILD)
        args.append(f"--LabServerApp.extra_labextensions_path={home / 'labextensions'}")
    env = dict(
        os.environ,
        JUPYTER_PATH=f"{tmp / 'jupyter'}{os.pathsep}{KERNELS}",
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    argv = [str(VENV / "bin" / "jupyter"), "lab", "--allow-root", "--no-browser",
            "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
            f"--port={port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={tmp / 'notebooks'}",
            f"--LabApp.user_settings_dir={home / 'settings'}",
            f"--LabApp.workspaces_dir={home / 'workspaces'}", *args]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with serving(argv, f"{url}/api/status", home / "lab.log", cwd=tmp, env=env, what="jupyter lab"):
        yield url


def launcher_cards(page: Page, url: str) -> list[str]:
    """Open a fresh Lab at `url`; the notebook cards of its Launcher, in order."""
    page.goto(f"{url}/lab?reset", timeout=TIMEOUT_MS)
    section = page.locator(".jp-Launcher-section", has_text="Notebook").first
    section.locator(".jp-LauncherCard", has_text="SAXS/WAXS").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # every kernel's card, its logo drawn
    return section.locator(".jp-LauncherCard-label").all_inner_texts()


def main() -> int:
    if not (BUILD / "package.json").exists():
        print(f"no build at {BUILD}: run jlpm build:prod in extensions/catalogue", file=sys.stderr)
        return 1
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="panhub-launcher-") as name:
        tmp = Path(name)
        (tmp / "notebooks").mkdir()
        write_notebook(tmp / "notebooks" / "old-saxs.ipynb")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                 timeout=TIMEOUT_MS)  # fmt: skip
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.emulate_media(color_scheme="light")
                with lab(tmp, "ours", PORT, ours=True) as url:
                    write_old_spec(tmp / "jupyter", retired=False)
                    print("before:", launcher_cards(page, url))
                    page.screenshot(path=str(ARTIFACTS / "launcher-before.png"))
                    write_old_spec(tmp / "jupyter", retired=True)
                    cards = launcher_cards(page, url)
                    print("after:", cards)
                    if any("2026.06" in card for card in cards):
                        raise AssertionError("the retired kernel is in the Launcher")
                    page.screenshot(path=str(ARTIFACTS / "launcher-after.png"))
                    page.goto(f"{url}/lab/tree/old-saxs.ipynb?reset", timeout=TIMEOUT_MS)
                    toast = page.locator(".Toastify__toast", has_text="is retired").first
                    toast.wait_for(timeout=TIMEOUT_MS)
                    print("notice:", toast.inner_text())
                    page.wait_for_timeout(1000)
                    page.screenshot(path=str(ARTIFACTS / "launcher-notice.png"))
                    settings = tmp / "ours" / "settings" / "@panhub" / "catalogue"
                    settings.mkdir(parents=True)
                    (settings / "kernels.jupyterlab-settings").write_text(
                        json.dumps({"hideRetired": False})
                    )
                    cards = launcher_cards(page, url)
                    print("hideRetired off:", cards)
                    page.screenshot(path=str(ARTIFACTS / "launcher-shown.png"))
                    if "SAXS/WAXS (saxs 2026.06, retired)" not in cards:
                        raise AssertionError("hideRetired: false did not show the retired kernel")
                with lab(tmp, "stock", PORT + 1, ours=False) as url:
                    print("stock:", launcher_cards(page, url))
                    page.screenshot(path=str(ARTIFACTS / "launcher-stock.png"))
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
