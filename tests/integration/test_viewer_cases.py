"""Files other software writes, in the viewer as a user meets them (hub, SLURM, Chromium).

alice (member of proposal T1) starts her server from the form, opens a notebook and
shows four files of issue 17's corpus (``tests/support/nexus_cases.py``) from her
proposal's raw data with ``NexusViewer``: a neutron histogram (bin edges, plotted at
the bin centres, which the note says), an NXcanSAS I(Q) curve (its axis from
``@I_axes``, error bars on I and Q, log-log axes), 4-D data (one slider per leading dim,
with its axis value) and a master file whose external data file is missing (the message
names it, the tree marks the link, a click on it says the same). Screenshots go to
artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.integration.test_viewer import wait_for_frame
from tests.support.browser import delete_notebook, open_notebook, spawn_from_form
from tests.support.cluster import PROPOSALS_ROOT
from tests.support.hub import HubAPI
from tests.support.nexus_cases import get_case

pytestmark = pytest.mark.browser

CASES = ("histogram_1d", "nxcansas_1d", "data_4d", "external_missing")
PREFIX = "viewer_case_"


@pytest.fixture(scope="module")
def t1_cases(proposals_file: Path) -> Iterator[dict[str, str]]:
    """The cases' files in T1's raw data, readable by the proposal's group only; their
    paths as alice sees them."""
    raw = PROPOSALS_ROOT / "T1" / "raw"
    folder = raw / f"{PREFIX}files"
    shutil.rmtree(folder, ignore_errors=True)  # left by an interrupted run
    folder.mkdir()
    paths = {name: get_case(name).make(folder) for name in CASES}
    os.chown(folder, 0, raw.parent.stat().st_gid)
    folder.chmod(0o750)
    for path in folder.iterdir():
        os.chown(path, 0, raw.parent.stat().st_gid)
        path.chmod(0o640)
    yield {name: f"/data/T1/raw/{folder.name}/{path.name}" for name, path in paths.items()}
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def show(page: Page, index: int, path: str) -> Locator:
    """Run ``NexusViewer(path)`` in a new cell; the viewer's root (the `index`-th)."""
    if index == 0:
        page.click(".jp-Notebook .jp-Cell .cm-content")
    else:
        page.locator(".jp-Notebook .jp-Cell").last.locator(".cm-content").click()
    imports = "" if index else "from panhub_nexus import NexusViewer; "
    page.keyboard.type(f"{imports}NexusViewer('{path}')")
    page.keyboard.press("Shift+Enter")
    root = page.locator(".jp-OutputArea-output .phx").nth(index)
    expect(root).to_be_visible(timeout=90_000)
    return root


def curve_shown(root: Locator) -> dict[str, Any]:
    expect(root).to_have_attribute("data-curve", re.compile('"n":'), timeout=60_000)
    shown: dict[str, Any] = json.loads(root.get_attribute("data-curve") or "{}")
    return shown


def test_alice_views_files_other_software_wrote(
    page: Page, api: HubAPI, t1_cases: dict[str, str], artifacts: Path
) -> None:
    spawn_from_form(page, api.base, "alice", {"partition": "cpu", "cpus": "2", "memory_gb": "2"})
    name = ""
    try:
        name = open_notebook(page, api, "alice")

        # a histogram: 101 bin edges for 100 counts, at the bin centres, and said so
        histogram = show(page, 0, t1_cases["histogram_1d"])
        try:
            expect(histogram.locator(".phx-title")).to_have_text("histogram 1d", timeout=60_000)
        except AssertionError:
            page.screenshot(path=artifacts / "viewer-cases-failed.png")
            raise
        expect(histogram.locator(".phx-error")).to_be_hidden()
        expect(histogram.locator(".phx-side")).to_contain_text("bin edges")
        assert curve_shown(histogram)["n"] == 100
        histogram.screenshot(path=artifacts / "viewer-cases-histogram.png")

        # NXcanSAS: I against Q (@I_axes), error bars on I and Q, log-log
        sas = show(page, 1, t1_cases["nxcansas_1d"])
        expect(sas.locator(".phx-title")).to_have_text("lysozyme 2 mg/ml", timeout=60_000)
        shown = curve_shown(sas)
        assert (shown["n"], shown["errors"], shown["xerrors"]) == (80, True, True)
        log_x, log_y = sas.locator(".phx-bar input[type=checkbox]").all()
        expect(log_x).to_be_checked()
        expect(log_y).to_be_checked()
        sas.screenshot(path=artifacts / "viewer-cases-nxcansas.png")

        # 4-D: a slider per leading dim, with its axis value; the flat frame follows
        four_d = show(page, 2, t1_cases["data_4d"])
        wait_for_frame(four_d, 0)
        dims = four_d.locator(".phx-dims input[type=range]")
        expect(dims).to_have_count(2)
        expect(four_d.locator(".phx-dims")).to_contain_text("sy (mm) = 2")
        dims.nth(1).fill("3")
        wait_for_frame(four_d, 3)
        expect(four_d.locator(".phx-dims")).to_contain_text("sx (mm) = 3")
        dims.nth(0).fill("2")
        wait_for_frame(four_d, 2 * 4 + 3)
        expect(four_d.locator(".phx-foot")).to_contain_text("12 / 12")
        four_d.screenshot(path=artifacts / "viewer-cases-4d.png")

        # a master file without its data file: the message names it, nothing else shown
        missing = show(page, 3, t1_cases["external_missing"])
        error = missing.locator(".phx-error")
        expect(error).to_contain_text("external_missing_data_000001.h5 is missing", timeout=60_000)
        expect(missing.locator(".phx-canvas-wrap")).to_be_hidden()
        tree = missing.locator(".phx-tree")
        tree.locator(".phx-node", has_text=re.compile("^▸ entry")).click()
        tree.locator(".phx-node", has_text=re.compile("^▸ data")).click()
        broken = tree.locator(".phx-node.phx-broken")
        expect(broken).to_have_count(1)
        expect(broken).to_contain_text("data")
        broken.click()
        expect(error).to_contain_text("cannot open /entry/data/data")
        expect(error).to_contain_text("external_missing_data_000001.h5 is missing")
        missing.screenshot(path=artifacts / "viewer-cases-missing-link.png")
    finally:
        if name:
            delete_notebook(api, "alice", name)
        api.stop("alice")
