"""NeXus files open in the viewer from JupyterLab's file browser (no hub: a Lab of its own).

A throw-away JupyterLab (root folder ``/``, as in panhub's servers) loads the working
tree's ``@panhub/catalogue`` build and server extension. A double click on a 4M-like
stack opens a main-area tab showing ``NexusViewer`` with its first frame drawn; "Open
With → NeXus viewer" opens a second one on the same kernel; a broken file and a
half-written one show why they did not open while the kernel and the other viewers
go on; a missing path given to ``panhub:open-nexus`` is reported; "Copy code" puts
``open-code``'s viewer code on the clipboard; closing the last viewer shuts the
kernel down. The file's content never goes through the contents API. Screenshots go
to artifacts/.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from panhub_nexus import synthetic
from playwright.sync_api import Locator, Page, expect

from tests.support.lab import (
    CATALOGUE,
    CATALOGUE_BUILD,
    build_catalogue_extension,
    catalogue_lab_args,
    get_json,
    running_lab,
)

pytestmark = pytest.mark.browser

EXTENSION = CATALOGUE
BUILD = CATALOGUE_BUILD
PORT = 8894
N_FRAMES = 4
VISIBLE = ".jp-PanhubViewerDocument:not(.lm-mod-hidden)"
FRAME_DRAWN = (
    f"() => Number(document.querySelector('{VISIBLE} .phx')?.dataset.framesShown || 0) >= 1"
)


@pytest.fixture(scope="module")
def extension() -> Path:
    """The working tree's labextension, built (dev build) if missing or stale."""
    return build_catalogue_extension()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a 4M-like stack, a copy under another extension, broken files."""
    folder = tmp_path_factory.mktemp("nexus")
    synthetic.write_eiger_stack(folder / "stack.nxs", shape=synthetic.EIGER_4M, n_frames=N_FRAMES)
    shutil.copy(folder / "stack.nxs", folder / "other.nx5")
    (folder / "broken.h5").write_bytes(b"this is not HDF5\n" * 100)
    whole = (folder / "stack.nxs").read_bytes()
    (folder / "half.nxs").write_bytes(whole[: len(whole) // 3])  # still being written
    return folder


@pytest.fixture(scope="module")
def lab(extension: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab rooted at / with this tree's extension (not the venv's older one)."""
    work = tmp_path_factory.mktemp("lab")
    args = catalogue_lab_args(work, extension)
    with running_lab(
        work, port=PORT, root_dir=Path("/"), pythonpath=[EXTENSION], extra_args=args
    ) as lab:
        yield lab


def wait_for_kernels(lab: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    end = time.monotonic() + timeout
    while True:
        kernels: list[dict[str, Any]] = get_json(lab, "api/kernels")
        if len(kernels) == count or time.monotonic() > end:
            return kernels
        time.sleep(0.25)


def open_folder(page: Page, lab: str, folder: Path) -> None:
    url, token = lab.split("|")
    page.goto(f"{url}/lab/tree{folder}?reset&token={token}")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
    expect(page.locator(".jp-DirListing-item", has_text="stack.nxs")).to_be_visible()


def item(page: Page, name: str) -> Locator:
    """The file browser's row of `name`, as a NeXus file."""
    rows = page.locator('.jp-DirListing-item[data-file-type="panhub-nexus"]')
    return rows.filter(has=page.get_by_text(name, exact=True))


def wait_for_tab(page: Page, name: str) -> None:
    """Wait until `name` is the current main-area tab (before looking at what it draws).

    The previous viewer stays visible until the new tab is activated, so a check on the
    visible viewer made before that would pass on the old one.
    """
    current = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    expect(current).to_have_text(name, timeout=60_000)


def test_nexus_files_open_in_the_viewer(page: Page, lab: str, files: Path, artifacts: Path) -> None:
    contents: list[str] = []
    page.on("request", lambda r: contents.append(r.url) if "/api/contents/" in r.url else None)
    url, _token = lab.split("|")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    open_folder(page, lab, files)
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src)")
    built = json.loads((BUILD / "package.json").read_text())["jupyterlab"]["_build"]["load"]
    assert any(s.endswith(f"@panhub/catalogue/{built}") for s in scripts), scripts
    # the viewer's kernel starts ahead, with the Lab (warmKernelMinutes), before any file
    warm = wait_for_kernels(lab, 1)
    assert len(warm) == 1, warm
    try:
        # double click: a tab named after the file, the default plot, its first frame
        started = time.monotonic()
        item(page, "stack.nxs").dblclick()
        wait_for_tab(page, "stack.nxs")
        page.wait_for_function(FRAME_DRAWN, timeout=90_000)
        first_frame_s = time.monotonic() - started
        root = page.locator(f"{VISIBLE} .phx")
        expect(root.locator(".phx-path")).to_have_text("stack.nxs :: /")
        expect(root.locator(".phx-tree")).to_contain_text("entry")
        expect(root).to_have_attribute("data-last-frame", "0")
        expect(root.locator(".phx-foot input[type=range]")).to_have_attribute(
            "max", str(N_FRAMES - 1)
        )
        page.screenshot(path=artifacts / "lab-viewer-stack.png")

        # Open With -> NeXus viewer: a second viewer, on the same kernel
        item(page, "other.nx5").click(button="right")
        page.locator(".lm-Menu-item", has_text="Open With").hover()
        page.locator(".lm-Menu-item", has_text="NeXus viewer").click()
        wait_for_tab(page, "other.nx5")
        page.wait_for_function(FRAME_DRAWN, timeout=60_000)
        kernels = get_json(lab, "api/kernels")
        assert [k["id"] for k in kernels] == [warm[0]["id"]], kernels
        sessions = [s for s in get_json(lab, "api/sessions") if s["type"] == "panhub-viewer"]
        assert [s["kernel"]["id"] for s in sessions] == [kernels[0]["id"]]

        # a broken file and a half-written one: a message in the tab, nothing else dies
        for name, text in [
            ("broken.h5", "broken.h5 is not an HDF5 file"),
            ("half.nxs", "half.nxs is truncated or corrupt"),
        ]:
            item(page, name).dblclick()
            wait_for_tab(page, name)
            message = page.locator(f"{VISIBLE} .jp-PanhubViewer-message")
            expect(message).to_contain_text(text, timeout=60_000)
            expect(message).not_to_contain_text("Traceback")
        page.screenshot(path=artifacts / "lab-viewer-broken.png")
        (kernel,) = get_json(lab, "api/kernels")
        assert kernel["id"] == kernels[0]["id"]
        assert kernel["execution_state"] != "dead"

        # the half-written file is complete now: Reload shows it
        shutil.copy(files / "stack.nxs", files / "half.nxs")
        page.locator(f"{VISIBLE} .jp-Toolbar").get_by_text("Reload").click()
        page.wait_for_function(FRAME_DRAWN, timeout=60_000)
        expect(page.locator(f"{VISIBLE} .jp-PanhubViewer-message")).to_have_count(0)

        # the first viewer still answers: scrub to another frame
        page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="stack.nxs").click()
        wait_for_tab(page, "stack.nxs")
        slider = page.locator(f"{VISIBLE} .phx-foot input[type=range]")
        slider.fill("2")
        expect(page.locator(f"{VISIBLE} .phx")).to_have_attribute(
            "data-last-frame", "2", timeout=60_000
        )

        # Copy code: open-code's viewer code on the clipboard
        page.locator(f"{VISIBLE} .jp-Toolbar").get_by_text("Copy code").click()
        expected = get_json(lab, f"panhub-catalogue/api/open-code?path={str(files)[1:]}/stack.nxs")
        page.wait_for_function(
            "code => navigator.clipboard.readText().then(t => t === code)",
            arg=expected["code"]["viewer"],
            timeout=10_000,
        )
        assert f"NexusViewer('{files}/stack.nxs')" in expected["code"]["viewer"]

        # the catalogue panel's command: an absolute path that does not exist
        page.evaluate(
            "p => window.jupyterapp.commands.execute('panhub:open-nexus', {path: p})",
            f"{files}/gone.nxs",
        )
        expect(page.locator(".Toastify__toast", has_text="gone.nxs")).to_contain_text(
            "no such file"
        )
        # ... and one that does: an absolute path opens (or reveals) its viewer
        page.evaluate(
            "p => window.jupyterapp.commands.execute('panhub:open-nexus', {path: p})",
            f"{files}/other.nx5",
        )
        wait_for_tab(page, "other.nx5")
        page.screenshot(path=artifacts / "lab-viewer-two.png")
        assert len(get_json(lab, "api/kernels")) == 1

        # closing the last viewer shuts the kernel down
        page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
        assert wait_for_kernels(lab, 0) == []
    except Exception:
        page.screenshot(path=artifacts / "lab-viewer-failed.png")
        raise

    # never the file's content through the contents API, for any file opened
    read = [u for u in contents if "content=1" in u or "format=base64" in u or "format=text" in u]
    opened = [
        u for u in read if any(n in u for n in ("stack.nxs", "other.nx5", "broken.h5", "half.nxs"))
    ]
    assert opened == [], opened
    assert any("stack.nxs?type=file&content=0" in u for u in contents), contents
    assert first_frame_s < 30, first_frame_s
