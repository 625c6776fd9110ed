"""A person in Chromium: log in, fill the resource form, land in JupyterLab, run a cell.

Screenshots go to artifacts/ (kept by CI).
"""

from __future__ import annotations

import pwd
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from panhub import demo
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.integration.conftest import ARTIFACTS
from tests.support.browser import launch
from tests.support.hub import HubAPI, active_jobs, squeue

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def log_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", demo.DEMO_PASSWORD)
    page.click("#login_submit")
    page.wait_for_selector("#panhub-partition")


def open_notebook(page: Page, api: HubAPI, user: str) -> str:
    """Create an empty notebook in ``user``'s home, open it in Lab with its kernel idle.

    Returns its name (remove it with :func:`delete_notebook`).
    """
    name = f"panhub-test-{uuid.uuid4().hex[:8]}.ipynb"
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


def test_user_logs_in_spawns_on_cpu_and_runs_a_cell(
    page: Page, api: HubAPI, artifacts: Path
) -> None:
    spawn_from_form(page, api.base, "alice", {"partition": "cpu", "cpus": "2", "memory_gb": "2"})
    page.screenshot(path=artifacts / "browser-alice-lab.png")
    job_id = api.server("alice")["state"]["job_id"]
    [job] = squeue(job_id=job_id)
    assert (job["partition"], job["cpus"], job["memory"]) == ("cpu", "2", "2G")

    out = run_cell(page, api, "alice", "import os; print(os.environ['SLURM_JOB_ID'], os.getuid())")
    page.screenshot(path=artifacts / "browser-alice-cell.png")
    assert out == f"{job_id} {pwd.getpwnam('alice').pw_uid}"

    api.stop("alice")
    assert not active_jobs("jhub-test-alice-default")


def test_user_chooses_the_gpu_partition_and_gets_a_gpu(
    page: Page, api: HubAPI, artifacts: Path
) -> None:
    spawn_from_form(page, api.base, "bob", {"partition": "gpu", "gpus": "1", "memory_gb": "1"})
    job_id = api.server("bob")["state"]["job_id"]
    out = run_cell(
        page,
        api,
        "bob",
        "import os; print(os.environ['SLURM_JOB_PARTITION'], os.environ.get('CUDA_VISIBLE_DEVICES'))",
    )
    page.screenshot(path=artifacts / "browser-bob-gpu.png")
    assert out == "gpu 0"
    [job] = squeue(job_id=job_id)
    assert "gpu" in job["gres"]
    api.stop("bob")


def test_bad_form_values_show_a_message_and_submit_nothing(
    page: Page, api: HubAPI, artifacts: Path
) -> None:
    log_in(page, api.base, "carol")
    before = squeue("jhub-test-carol-default")
    # what a hand-crafted request could send: past the browser's own checks
    page.evaluate(
        """() => {
            for (const e of document.querySelectorAll('#spawn_form input')) e.removeAttribute('max');
            document.getElementById('panhub-cpus').value = '999';
            const r = document.getElementById('panhub-reservation');
            r.removeAttribute('maxlength');
            const opt = document.createElement('option');
            opt.value = 'root'; document.getElementById('panhub-partition').appendChild(opt);
            document.getElementById('panhub-partition').value = 'root';
        }"""
    )
    page.fill("#panhub-reservation", "x; scancel -u root")
    page.click("#spawn_form button[type=submit]")
    error = page.locator(".spawn-error-msg")
    expect(error).to_be_visible()
    page.screenshot(path=artifacts / "browser-carol-form-error.png")
    text = error.inner_text()
    assert "partition" in text and "unknown partition 'root'" in text
    assert "reservation" in text and "may hold only letters" in text
    # the form is shown again, ready to correct
    expect(page.locator("#panhub-partition")).to_be_visible()
    assert squeue("jhub-test-carol-default") == before
    assert api.server("carol") is None
