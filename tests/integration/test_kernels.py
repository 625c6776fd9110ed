"""The staff kernels on a user's server, started through the hub as a SLURM job.

The server finds them through ``JUPYTER_PATH`` (``FacilitySlurmSpawner.kernels_path``)
inside the job's view, lists them with their technique, and a cell on the SAXS kernel
runs in that kernel's own environment with its science library and panhub's packages.
Versions live side by side: after a newer version of a kernel is built and the old one
retired, the old one still starts in its own environment. In Chromium, the Launcher
offers the kernels with their technique and logo, not a retired version, and a notebook
saved with the retired version opens on it with a notice naming the current one.
"""

from __future__ import annotations

import pwd
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.browser import spawn_from_form
from tests.support.cluster import ARTIFACTS
from tests.support.hub import HubAPI
from tests.support.kernel import Kernel
from tests.support.kernels import (
    PREFIX,
    ROOT,
    build_kernels,
    build_wheel,
    kernel_id,
    panhub_kernels,
    remove_kernel,
)

TINY = ROOT / "tests" / "hub" / "kernels" / "data" / "tiny"
OLD, NEW = "tiny-2026.1", "tiny-2026.2"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def saxs(wheel: Path) -> str:
    """The SAXS kernel, built (or found unchanged) in the shared prefix."""
    build_kernels(["saxs"], wheel)
    return kernel_id("saxs")


@pytest.fixture(scope="module")
def tiny(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """tiny 2026.1 built, then tiny 2026.2 built beside it, then 2026.1 retired, as staff
    would: in the shared prefix every server reads (taken out again afterwards)."""
    source = tmp_path_factory.mktemp("kernels")
    shutil.copytree(TINY, source / "tiny")
    toml = source / "tiny" / "kernel.toml"
    try:
        for kernel in (OLD, NEW):
            version = kernel.split("-")[1]
            text = toml.read_text()
            toml.write_text(text.replace(tomllib.loads(text)["version"], version))
            build_kernels(["tiny"], wheel, source=source, timeout=600)
        retired = panhub_kernels("retire", "tiny", "2026.1")
        assert retired.returncode == 0, retired.stdout + retired.stderr
        yield
    finally:
        remove_kernel(OLD)
        remove_kernel(NEW)


@pytest.fixture(scope="module")
def server(api: HubAPI, saxs: str, tiny: None) -> Iterator[str]:
    api.start("alice", {"memory_gb": 2, "environment": "saxs"})
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
    ).json()
    # the form's environment "saxs" (from the same registry): new notebooks open on it
    assert specs["default"] == saxs
    specs = specs["kernelspecs"]
    assert saxs in specs
    spec = specs[saxs]["spec"]
    assert spec["display_name"].startswith("SAXS/WAXS")
    assert spec["metadata"]["panhub"]["technique"] == "small angle scattering"
    assert any(name.startswith("logo") for name in specs[saxs]["resources"])
    kernel = Kernel(api.base, server, token, name=saxs)
    try:
        out = kernel.run(
            "import os, shutil, sys, pyFAI, panhub_nexus, panhub_catalogue\n"
            "print(sys.prefix); print(pyFAI.version); print(os.environ['SLURM_JOB_ID'] != '')\n"
            "print(shutil.which('pyFAI-integrate'))"
        )
    finally:
        kernel.shutdown()
    prefix, version, in_job, tool = out.splitlines()
    assert Path(prefix).resolve().is_relative_to(PREFIX / "envs")
    assert version[0].isdigit()
    assert in_job == "True"
    # ... and its tools come first on the PATH of the server (its terminals, its kernels)
    assert tool == f"{PREFIX}/envs/{saxs}/bin/pyFAI-integrate"


def test_an_old_version_still_starts_after_a_new_one_is_built(api: HubAPI, server: str) -> None:
    """A notebook saved with tiny-2026.1 runs on tiny-2026.1's own environment, retired
    and with tiny-2026.2 beside it; results record which kernel made them."""
    token = api.as_user(server).token
    specs = requests.get(
        f"{api.base}/user/{server}/api/kernelspecs",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    ).json()["kernelspecs"]
    assert specs[OLD]["spec"]["metadata"]["panhub"]["retired"] is True
    assert specs[NEW]["spec"]["metadata"]["panhub"]["retired"] is False
    seen = {}
    for name in (OLD, NEW):
        kernel = Kernel(api.base, server, token, name=name)
        try:
            out = kernel.run(
                "import os, sys; print(sys.prefix); print(os.environ['PANHUB_KERNEL'])"
            )
        finally:
            kernel.shutdown()
        prefix, recorded = out.splitlines()
        assert recorded == name
        seen[name] = Path(prefix)
    assert seen[OLD] == PREFIX / "envs" / OLD
    assert seen[OLD].resolve() != seen[NEW].resolve()
    assert seen[OLD].resolve().name.startswith(f".{OLD}.")


@pytest.mark.browser
def test_the_launcher_offers_staff_kernels_and_hides_retired_ones(
    api: HubAPI, saxs: str, tiny: None, page: Page
) -> None:
    """bob's Launcher, in Chromium: the SAXS kernel with its technique and logo, tiny
    2026.2 and not the retired 2026.1; a notebook saved with 2026.1 opens on it, with a
    notice that names the current version."""
    saxs_label = f"SAXS/WAXS (saxs {saxs.removeprefix('saxs-')})"
    home = pwd.getpwnam("bob").pw_dir.strip("/")  # the Lab's root is /
    saved_at = f"{api.base}/user/bob/api/contents/{home}/old-analysis.ipynb"
    token = api.as_user("bob").token
    try:
        spawn_from_form(page, api.base, "bob", {"partition": "cpu", "cpus": "1", "memory_gb": "1"})
        # a workspace of an earlier run may restore a notebook with the focus: start afresh,
        # which opens the Launcher
        page.goto(f"{api.base}/user/bob/lab?reset")
        page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=60_000)
        notebook = page.locator(".jp-Launcher-section", has_text="Notebook").last
        cards = notebook.locator(".jp-LauncherCard")
        expect(cards.filter(has_text=saxs_label)).to_have_count(1, timeout=60_000)
        expect(cards.filter(has_text=saxs_label).locator("img, svg")).not_to_have_count(0)
        expect(cards.filter(has_text="Tiny (tiny 2026.2)")).to_have_count(1)
        # every card's logo is served and drawn (not a blank card)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-LauncherCard img')]"
            ".every(i => i.complete && i.naturalWidth > 0)",
            timeout=30_000,
        )
        page.screenshot(path=ARTIFACTS / "launcher-kernels.png")
        labels = cards.locator(".jp-LauncherCard-label").all_inner_texts()
        assert not [label for label in labels if "2026.1)" in label or "retired" in label], labels

        # a notebook saved with the retired version: it starts on it, and says so
        saved = {
            "cells": [],
            "metadata": {"kernelspec": {"name": OLD, "display_name": "Tiny", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        put = requests.put(
            saved_at,
            headers={"Authorization": f"token {token}"},
            json={"type": "notebook", "content": saved},
            timeout=30,
        )
        assert put.status_code in (200, 201), put.text
        page.goto(f"{api.base}/user/bob/lab/tree/{home}/old-analysis.ipynb")
        notice = page.locator(".Toastify__toast", has_text=f"{OLD} is retired")
        expect(notice).to_contain_text(f"{NEW} is current", timeout=60_000)
        expect(notice).to_contain_text(f"This notebook still runs on {OLD}")
        expect(
            page.locator(".jp-Notebook-ExecutionIndicator, .jp-KernelStatus").first
        ).to_be_visible()
        page.wait_for_timeout(800)  # the toast slides in from the right (for the picture)
        page.screenshot(path=ARTIFACTS / "notebook-retired-kernel.png")
        sessions = requests.get(
            f"{api.base}/user/bob/api/sessions",
            headers={"Authorization": f"token {token}"},
            timeout=30,
        ).json()
        opened = [s["kernel"]["name"] for s in sessions if s["path"].endswith("old-analysis.ipynb")]
        assert opened == [OLD]
    except Exception:
        page.screenshot(path=ARTIFACTS / "launcher-kernels-failed.png")
        raise
    finally:
        requests.delete(saved_at, headers={"Authorization": f"token {token}"}, timeout=30)
        api.stop("bob")
