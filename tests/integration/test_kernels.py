"""The staff kernels on a user's server, started through the hub as a SLURM job.

The server finds them through ``JUPYTER_PATH`` (``FacilitySlurmSpawner.kernels_path``)
inside the job's view, lists them with their technique, and a cell on the SAXS kernel
runs in that kernel's own environment with its science library and panhub's packages.
In Chromium, the Launcher offers the kernel with its technique and logo, and not a
retired version.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.browser import spawn_from_form
from tests.support.cluster import ARTIFACTS
from tests.support.hub import HubAPI
from tests.support.kernel import Kernel
from tests.support.kernels import PREFIX, build_kernels, build_wheel, kernel_id


@pytest.fixture(scope="module")
def saxs(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SAXS kernel, built (or found unchanged) in the shared prefix."""
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    build_kernels(["saxs"], wheel)
    return kernel_id("saxs")


@pytest.fixture(scope="module")
def server(api: HubAPI, saxs: str) -> Iterator[str]:
    api.start("alice", {"memory_gb": 2})
    yield "alice"
    api.stop("alice")


def test_the_users_server_lists_and_runs_the_staff_kernels(
    api: HubAPI, saxs: str, server: str
) -> None:
    token = api.as_user(server).token
    specs = requests.get(
        f"{api.base}/user/{server}/api/kernelspecs",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    ).json()["kernelspecs"]
    assert saxs in specs
    spec = specs[saxs]["spec"]
    assert spec["display_name"].startswith("SAXS/WAXS")
    assert spec["metadata"]["panhub"]["technique"] == "small angle scattering"
    assert any(name.startswith("logo") for name in specs[saxs]["resources"])
    kernel = Kernel(api.base, server, token, name=saxs)
    try:
        out = kernel.run(
            "import os, sys, pyFAI, panhub_nexus, panhub_catalogue\n"
            "print(sys.prefix); print(pyFAI.version); print(os.environ['SLURM_JOB_ID'] != '')"
        )
    finally:
        kernel.shutdown()
    prefix, version, in_job = out.splitlines()
    assert Path(prefix).resolve().is_relative_to(PREFIX / "envs")
    assert version[0].isdigit()
    assert in_job == "True"


@pytest.mark.browser
def test_the_launcher_offers_staff_kernels_and_hides_retired_ones(
    api: HubAPI, saxs: str, page: Page
) -> None:
    """bob's Launcher, in Chromium: the SAXS kernel with its technique and logo; an older
    retired version (a copy of its spec, marked so) is not offered."""
    kernels = PREFIX / "share" / "jupyter" / "kernels"
    old = kernels / "saxs-2000.01"
    shutil.copytree(kernels / saxs, old, dirs_exist_ok=True)
    spec = json.loads((old / "kernel.json").read_text())
    spec["display_name"] = "SAXS/WAXS (saxs 2000.01, retired)"
    spec["metadata"]["panhub"] |= {"version": "2000.01", "retired": True}
    (old / "kernel.json").write_text(json.dumps(spec))
    try:
        spawn_from_form(page, api.base, "bob", {"partition": "cpu", "cpus": "1", "memory_gb": "1"})
        page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=60_000)
        page.keyboard.press("Control+Shift+L")  # a new Launcher
        notebook = page.locator(".jp-Launcher-section", has_text="Notebook").last
        cards = notebook.locator(".jp-LauncherCard")
        expect(cards.filter(has_text="SAXS/WAXS (saxs 2026.12)")).to_have_count(1, timeout=60_000)
        expect(
            cards.filter(has_text="SAXS/WAXS (saxs 2026.12)").locator("img, svg")
        ).not_to_have_count(0)
        page.screenshot(path=ARTIFACTS / "launcher-kernels.png")
        labels = cards.locator(".jp-LauncherCard-label").all_inner_texts()
        assert not [label for label in labels if "2000.01" in label], labels
    finally:
        shutil.rmtree(old, ignore_errors=True)
        api.stop("bob")
