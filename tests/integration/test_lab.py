"""What alice meets in JupyterLab after logging in: her proposals in the file browser.

alice (member of T1) logs in to the tests' hub, starts her server from the form (a SLURM
job inside her data view), and JupyterLab opens with its file browser at ``/data``,
which lists T1 and nothing else. The browser's root is ``/``, so her home folder is
reachable too (one click: the Home button), and "Copy Path" gives the path as mounted: pasted into a cell, it opens
the file. The Lab reopens at the last folder she used. A notebook saved in the view's
own folders (not in ``processed/`` or home) is refused with the reason, instead of
vanishing with the job. Screenshots go to artifacts/.
"""

from __future__ import annotations

import pwd
import re
import shutil
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import delete_notebook, open_notebook, spawn_from_form
from tests.support.cluster import ARTIFACTS
from tests.support.hub import HubAPI

pytestmark = pytest.mark.browser


def crumbs(page: Page) -> str:
    return page.locator(".jp-FileBrowser .jp-BreadCrumbs").inner_text().replace("\n", "")


def listing(page: Page) -> list[str]:
    names = page.locator(".jp-FileBrowser .jp-DirListing-item .jp-DirListing-itemName")
    return [n.strip() for n in names.all_inner_texts()]


def item(page: Page, name: str) -> Locator:
    """The file browser's entry named ``name`` in the folder shown."""
    exact = page.locator(".jp-DirListing-itemName", has_text=re.compile(f"^{re.escape(name)}$"))
    return page.locator(".jp-FileBrowser .jp-DirListing-item").filter(has=exact).first


def go_to(page: Page, names: list[str]) -> None:
    """Double-click through ``names`` from the folder shown."""
    for name in names:
        item(page, name).dblclick()
        expect(page.locator(".jp-FileBrowser .jp-BreadCrumbs")).to_contain_text(name)


def show_file_browser(page: Page) -> None:
    """The file browser in the left area (the workspace may have restored another panel)."""
    page.locator(".jp-FileBrowser:not(.jp-mod-restoring)").wait_for(state="attached")
    page.locator("#jupyterlab-splash").wait_for(state="detached")
    browser = page.locator(".jp-FileBrowser")
    if not browser.is_visible():
        page.screenshot(path=ARTIFACTS / "lab-files-hidden.png")
        page.locator('.jp-SideBar .lm-TabBar-tab[data-id="filebrowser"]').click()
    expect(browser).to_be_visible()


def test_alice_finds_her_proposal_in_the_file_browser(
    page: Page, api: HubAPI, proposals_file: Path, artifacts: Path
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    # her first visit: no workspace remembers a folder yet
    shutil.rmtree(Path(pwd.getpwnam("alice").pw_dir) / ".jupyter" / "lab" / "workspaces", True)
    spawn_from_form(page, api.base, "alice", {"partition": "cpu", "cpus": "1", "memory_gb": "1"})
    show_file_browser(page)
    name = ""
    try:
        # the Lab opens at her proposals: T1 only
        expect(page.locator(".jp-FileBrowser .jp-BreadCrumbs")).to_contain_text("data")
        expect(page.locator(".jp-FileBrowser .jp-DirListing-item").first).to_be_visible()
        assert crumbs(page).strip("/ ") == "data"
        assert listing(page) == ["T1"]
        page.screenshot(path=artifacts / "lab-files-proposals.png")
        go_to(page, ["T1", "raw"])
        expect(item(page, "data.txt")).to_be_visible()

        # "Copy Path" gives the path as mounted; it opens the file in a cell
        item(page, "data.txt").click(button="right")
        page.locator(".lm-Menu-item", has_text=re.compile("^Copy Path$")).click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == "/data/T1/raw/data.txt"

        # the last folder used is where the Lab reopens
        page.reload()
        show_file_browser(page)
        expect(item(page, "data.txt")).to_be_visible(timeout=60_000)
        assert crumbs(page).replace(" ", "").endswith("data/T1/raw/")
        page.screenshot(path=artifacts / "lab-files-raw.png")

        # the home folder is one click away, and reachable from the root too
        page.get_by_role("button", name="Home: /home/alice").click()
        expect(page.locator(".jp-FileBrowser .jp-BreadCrumbs")).to_contain_text("alice")
        assert crumbs(page).replace(" ", "").endswith("home/alice/")
        page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").first.click()
        go_to(page, ["home", "alice"])

        name = open_notebook(page, api, "alice")  # in her home folder
        page.click(".jp-Notebook .jp-Cell .cm-content")
        page.keyboard.type(f"print(open({copied!r}).read())")
        page.keyboard.press("Shift+Enter")
        expect(page.locator(".jp-OutputArea-output").first).to_have_text(
            "raw data of T1", timeout=60_000
        )

        # saving in the view's own folder is refused with the reason; processed/ works
        token = api.as_user("alice").token
        headers = {"Authorization": f"token {token}"}
        contents = f"{api.base}/user/alice/api/contents"
        refused = requests.post(
            f"{contents}/data/T1", json={"type": "notebook"}, headers=headers, timeout=30
        )
        assert refused.status_code >= 400
        assert "Read-only file system" in refused.json()["message"]
        saved = requests.post(
            f"{contents}/data/T1/processed", json={"type": "notebook"}, headers=headers, timeout=30
        )
        assert saved.status_code == 201, saved.text
        requests.delete(f"{contents}/{saved.json()['path']}", headers=headers, timeout=30)
    finally:
        if name:
            delete_notebook(api, "alice", name)
        api.stop("alice")
