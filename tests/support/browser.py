"""Debian's Chromium for Playwright, and what a person does in it: log in, open a notebook.

The background-networking flags matter: this machine's network is closed, and Chromium's
own connections would be refused many at a time.
"""

from __future__ import annotations

import pwd
import re
import uuid
from pathlib import Path

import requests
from panhub import demo
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.support.cluster import ARTIFACTS
from tests.support.hub import HubAPI

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright: Playwright) -> Browser:
    """Launch Debian's Chromium; a missing browser is a failure, never a skip."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run hub_config/demo/bootstrap.sh"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)


def log_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", demo.DEMO_PASSWORD)
    page.click("#login_submit")
    page.wait_for_selector("#panhub-partition")


def home_path(user: str) -> str:
    """``user``'s home folder as a path of the Lab's contents (its root is ``/``)."""
    return pwd.getpwnam(user).pw_dir.strip("/")


def open_notebook(page: Page, api: HubAPI, user: str) -> str:
    """Create an empty notebook in ``user``'s home, open it in Lab with its kernel idle.

    Returns its contents path (remove it with :func:`delete_notebook`).
    """
    name = f"{home_path(user)}/panhub-test-{uuid.uuid4().hex[:8]}.ipynb"
    notebook = {
        "type": "notebook",
        "content": {
            "cells": [],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
    }
    token = api.as_user(user).token
    r = requests.put(
        f"{api.base}/user/{user}/api/contents/{name}",
        json=notebook,
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    # ?reset: a fresh workspace, whatever the user left open last time
    page.goto(f"{api.base}/user/{user}/lab/tree/{name}?reset")
    expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(
        timeout=90_000
    )
    return name


def delete_notebook(api: HubAPI, user: str, name: str) -> None:
    token = api.as_user(user).token
    requests.delete(
        f"{api.base}/user/{user}/api/contents/{name}",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )


def run_cell(page: Page, api: HubAPI, user: str, code: str) -> str:
    """Open a fresh notebook in ``user``'s Lab, run ``code``, return the cell's output."""
    name = open_notebook(page, api, user)
    page.click(".jp-Notebook .jp-Cell .cm-content")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    output = page.locator(".jp-OutputArea-output").first
    try:
        expect(output).to_have_text(re.compile(r"\S"), timeout=60_000)
    except AssertionError:
        page.screenshot(path=ARTIFACTS / "browser-run-cell-failed.png")
        raise
    text = output.inner_text().strip()
    delete_notebook(api, user, name)
    return text


def spawn_from_form(page: Page, base: str, user: str, fields: dict[str, str]) -> None:
    log_in(page, base, user)
    page.select_option("#panhub-partition", fields.pop("partition"))
    for name, value in fields.items():
        page.fill(f"#panhub-{name}", value)
    page.click("#spawn_form button[type=submit]")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=120_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
